package scalelitetest

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// adminGetCapacity answers getCapacity (bbbkit extension): the scheduler's
// capacity per site and in total.
func (h *Handler) adminGetCapacity(ctx context.Context, w http.ResponseWriter) {
	r, err := h.sched.Capacity(ctx)
	if err != nil {
		h.writeServerError(w, "", err)
		return
	}
	writeJSON(w, http.StatusOK, r)
}

// adminGetScalePlan answers getScalePlan (bbbkit extension): the
// autoscaler's preview of the plan for the servers as they are now, or 404
// when the balancer has no autoscaling policy.
func (h *Handler) adminGetScalePlan(ctx context.Context, w http.ResponseWriter) {
	if h.cfg.scaler == nil {
		writeJSONError(w, http.StatusNotFound, "No autoscaling policy is configured (examples/balancer -scale-policy).")
		return
	}
	servers, err := h.sched.Servers(ctx)
	if err != nil {
		h.writeServerError(w, "", err)
		return
	}
	plan, err := h.cfg.scaler.Preview(ctx, servers)
	if err != nil {
		h.cfg.log.Error("scale plan failed", slog.String("error", err.Error()))
		writeJSONError(w, http.StatusInternalServerError, "The scale history is unavailable.")
		return
	}
	writeJSON(w, http.StatusOK, plan)
}

// adminDrainServer answers drainServer (bbbkit extension): it cordons the
// server at once and drains it in the background (poll until empty, then
// delete; at the deadline end the meetings or stop), answering with the
// cordoned server.
func (h *Handler) adminDrainServer(ctx context.Context, w http.ResponseWriter, req adminRequest) {
	if _, err := h.sched.Server(ctx, req.ID); err != nil {
		h.writeServerError(w, req.ID, err)
		return
	}
	secs, _, err := parseNumber(req.DeadlineSeconds)
	if err != nil || secs < 0 {
		writeJSONError(w, http.StatusBadRequest, "deadline_seconds must be a number >= 0")
		return
	}
	opts := scheduler.DrainOptions{Deadline: time.Duration(secs * float64(time.Second)), Message: req.Message}
	switch req.AtDeadline {
	case "", "fail":
		opts.AtDeadline = scheduler.DrainFail
	case "end":
		opts.AtDeadline = scheduler.DrainEndMeetings
	default:
		writeJSONError(w, http.StatusBadRequest, `at_deadline must be "end" or "fail"`)
		return
	}
	srv, err := h.sched.SetState(ctx, req.ID, scheduler.StateCordoned)
	if err != nil {
		h.writeServerError(w, req.ID, err)
		return
	}
	id := req.ID
	h.drains.Go(func() {
		err := h.sched.Drain(h.drainCtx, id, opts)
		switch {
		case err == nil:
			h.forgetClient(id)
			h.cfg.log.Info("server drained and removed", slog.String("server", id))
		default:
			h.cfg.log.Warn("drain stopped", slog.String("server", id), slog.String("error", err.Error()))
		}
	})
	writeJSON(w, http.StatusAccepted, apiServer(srv))
}
