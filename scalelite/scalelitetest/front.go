package scalelitetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/internal/httpcore"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// maxForwardBytes caps answers read from servers and request bodies.
const maxForwardBytes = 32 << 20

// frontRequest is a verified BigBlueButton API request.
type frontRequest struct {
	call   string
	query  url.Values // without the checksum
	tenant *scheduler.Tenant
}

// frontMethods lists the HTTP methods each front call accepts; calls not
// listed are not supported.
var frontMethods = map[string][]string{
	"create":            {http.MethodGet, http.MethodPost},
	"updateRecordings":  {http.MethodGet, http.MethodPost},
	"insertDocument":    {http.MethodPost},
	"join":              {http.MethodGet},
	"end":               {http.MethodGet},
	"isMeetingRunning":  {http.MethodGet},
	"getMeetingInfo":    {http.MethodGet},
	"getMeetings":       {http.MethodGet},
	"getRecordings":     {http.MethodGet},
	"publishRecordings": {http.MethodGet},
	"deleteRecordings":  {http.MethodGet},
}

// serveFront serves /bigbluebutton/api/{call}.
func (h *Handler) serveFront(w http.ResponseWriter, r *http.Request, call string) {
	if !slices.Contains(frontMethods[call], r.Method) {
		writeFailed(w, "unsupportedRequest", "This request is not supported.")
		return
	}
	fr, ok := h.verifyFront(r, call)
	if !ok {
		writeFailed(w, "checksumError", "You did not pass the checksum security check")
		return
	}
	switch call {
	case "create":
		h.create(w, r, fr)
	case "join":
		h.join(w, r, fr)
	case "end":
		h.end(w, r, fr)
	case "isMeetingRunning":
		h.proxyMeeting(w, r, fr, true)
	case "getMeetingInfo":
		h.proxyMeeting(w, r, fr, false)
	case "getMeetings":
		h.getMeetings(w, r, fr)
	case "getRecordings":
		h.getRecordings(w, r, fr)
	case "insertDocument":
		h.insertDocument(w, r, fr)
	case "publishRecordings", "updateRecordings", "deleteRecordings":
		h.changeRecordings(w, r, fr)
	}
}

// verifyFront checks the checksum against the tenant's secrets (when the
// host names a tenant) or the balancer secret.
func (h *Handler) verifyFront(r *http.Request, call string) (frontRequest, bool) {
	fr := frontRequest{call: call}
	secrets := []string{h.cfg.secret}
	if h.cfg.multitenancy {
		if tn, ok := h.tenants.forHost(r.Context(), r.Host); ok {
			fr.tenant = &tn
			secrets = tn.Secrets
		}
	}
	ok := false
	for _, s := range secrets {
		if checksum.Verify(call, r.URL.RawQuery, s, h.cfg.algs...) == nil {
			ok = true
			break
		}
	}
	if !ok {
		return fr, false
	}
	_, rest, _ := checksum.Split(r.URL.RawQuery)
	q, err := url.ParseQuery(rest)
	if err != nil {
		return fr, false
	}
	fr.query = q
	return fr, true
}

func (fr frontRequest) tenantID() string {
	if fr.tenant == nil {
		return ""
	}
	return fr.tenant.ID
}

// meetingVisible reports whether the request's tenant may see a meeting.
// When the store cannot say, it may not (fail closed).
func (h *Handler) meetingVisible(ctx context.Context, fr frontRequest, meetingID string) bool {
	owner, known, err := h.tenants.owner(ctx, meetingID)
	if err != nil {
		h.cfg.log.Warn("meeting owner lookup failed", slog.String("meeting", meetingID), slog.String("error", err.Error()))
		return false
	}
	return !known || owner == fr.tenantID()
}

// lookup finds the server of a meeting the request may see.
func (h *Handler) lookup(ctx context.Context, fr frontRequest, meetingID string) (scheduler.Server, error) {
	srv, err := h.sched.Lookup(ctx, meetingID)
	if errors.Is(err, scheduler.ErrMeetingNotFound) {
		h.tenants.forget(ctx, meetingID)
		return srv, err
	}
	if err == nil && !h.meetingVisible(ctx, fr, meetingID) {
		return scheduler.Server{}, scheduler.ErrMeetingNotFound
	}
	return srv, err
}

// readBody reads a POST body up to maxForwardBytes (nil for other methods);
// when it cannot, it answers internalError and returns false.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Method != http.MethodPost {
		return nil, true
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxForwardBytes+1))
	if err != nil || len(b) > maxForwardBytes {
		writeFailed(w, "internalError", "Unable to read the request body.")
		return nil, false
	}
	return b, true
}

// bodyMethod is POST when there is a body to forward, GET otherwise.
func bodyMethod(body []byte) string {
	if len(body) > 0 {
		return http.MethodPost
	}
	return http.MethodGet
}

// meetingIDParam answers missingParamMeetingID when the request names no
// meeting.
func meetingIDParam(w http.ResponseWriter, fr frontRequest) (string, bool) {
	meetingID := fr.query.Get("meetingID")
	if meetingID == "" {
		writeFailed(w, "missingParamMeetingID", "You must specify a meeting ID for the meeting.")
		return "", false
	}
	return meetingID, true
}

// meetingServer returns the meeting the request names and its server, or
// answers missingParamMeetingID or the lookup error.
func (h *Handler) meetingServer(ctx context.Context, w http.ResponseWriter, fr frontRequest) (string, scheduler.Server, bool) {
	meetingID, ok := meetingIDParam(w, fr)
	if !ok {
		return "", scheduler.Server{}, false
	}
	srv, err := h.lookup(ctx, fr, meetingID)
	if err != nil {
		h.writeLookupError(w, err)
		return "", scheduler.Server{}, false
	}
	return meetingID, srv, true
}

// insertDocument forwards the XML body to the meeting's server.
func (h *Handler) insertDocument(w http.ResponseWriter, r *http.Request, fr frontRequest) {
	ctx := r.Context()
	meetingID, ok := meetingIDParam(w, fr)
	if !ok {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	srv, err := h.lookup(ctx, fr, meetingID)
	if err != nil {
		h.writeLookupError(w, err)
		return
	}
	status, answer, err := h.forward(ctx, srv, "insertDocument", fr.query, http.MethodPost, body, r.Header.Get("Content-Type"))
	if err != nil || status != http.StatusOK {
		writeFailed(w, "internalError", "Unable to access meeting on server.")
		return
	}
	writeRaw(w, answer)
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request, fr frontRequest) {
	ctx := r.Context()
	meetingID, ok := meetingIDParam(w, fr)
	if !ok {
		return
	}
	if !h.meetingVisible(ctx, fr, meetingID) {
		writeFailed(w, "internalError", "The meeting ID is in use by another tenant.")
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	tag := fr.query.Get("meta_server-tag")
	// bbbkit extension: the request's site order wins over the balancer's.
	order, err := scheduler.ParseSiteOrder(fr.query.Get(scheduler.SiteOrderMeta))
	if err != nil {
		writeFailed(w, "validationError", "meta_bbbkit-site-order: "+err.Error())
		return
	}
	if len(order) == 0 && fr.tenant != nil {
		order = fr.tenant.SiteOrder // the tenant's order, when the request has none
	}
	sites := scheduler.PreferSites(order...)
	pl, err := h.sched.Pick(ctx, meetingID, tag, sites)
	if err == nil && pl.Existing && pl.Server.State == scheduler.StateCordoned && !h.running(ctx, pl.Server, meetingID) {
		// Like Scalelite 1.8.4: a meeting that ended on a cordoned server is
		// created again elsewhere instead of on the cordoned server.
		_ = h.sched.Release(ctx, meetingID)
		pl, err = h.sched.Pick(ctx, meetingID, tag, sites)
	}
	if err != nil {
		h.writePickError(w, err, tag)
		return
	}
	srv := pl.Server
	q := cloneValues(fr.query)
	if srv.Tag != "" {
		q.Set("meta_server-tag", srv.Tag)
	} else {
		q.Del("meta_server-tag")
	}
	if fr.tenant != nil {
		q.Set("meta_tenant-id", fr.tenant.ID)
		q.Set("meta_tenant-name", fr.tenant.Name)
	}
	status, answer, err := h.forward(ctx, srv, "create", q, bodyMethod(body), body, r.Header.Get("Content-Type"))
	if err != nil || status != http.StatusOK || !succeeded(answer) {
		if !pl.Existing {
			// The meeting does not exist on the server: forget the placement
			// and its reservation.
			if rerr := h.sched.Release(context.WithoutCancel(ctx), meetingID); rerr != nil && !errors.Is(rerr, scheduler.ErrMeetingNotFound) {
				h.cfg.log.Warn("release after failed create", slog.String("server", srv.ID), slog.String("error", rerr.Error()))
			}
		}
		if err != nil || status != http.StatusOK {
			h.cfg.log.Warn("create failed on server", slog.String("server", srv.ID), slog.Int("status", status), slog.Any("error", err))
			writeFailed(w, "internalError", "Unable to create meeting on server.")
			return
		}
		writeRaw(w, answer)
		return
	}
	if err := h.tenants.setOwner(ctx, meetingID, fr.tenantID()); err != nil {
		h.cfg.log.Warn("recording the meeting's tenant failed", slog.String("meeting", meetingID), slog.String("error", err.Error()))
	}
	h.cfg.log.Debug("meeting placed", slog.String("meeting", meetingID), slog.String("server", srv.ID), slog.Bool("existing", pl.Existing))
	writeRaw(w, answer)
}

// writePickError maps scheduler errors to Scalelite's answers.
func (h *Handler) writePickError(w http.ResponseWriter, err error, tag string) {
	switch {
	case errors.Is(err, scheduler.ErrTagUnavailable):
		writeFailed(w, "serverTagUnavailable", fmt.Sprintf("There is no available server with the tag %s.", tag))
	case errors.Is(err, scheduler.ErrNoServer):
		writeFailed(w, "internalError", "Could not find any available servers.")
	case errors.Is(err, scheduler.ErrInvalid):
		writeFailed(w, "validationError", err.Error())
	default:
		h.cfg.log.Error("scheduler failed", slog.String("error", err.Error()))
		writeFailed(w, "internalError", "The scheduler is unavailable.")
	}
}

// running asks a server whether a meeting runs; on error it says true, so
// that a server that does not answer keeps its meetings.
func (h *Handler) running(ctx context.Context, srv scheduler.Server, meetingID string) bool {
	c, err := h.client(srv)
	if err != nil {
		return true
	}
	ok, err := c.IsMeetingRunning(ctx, meetingID)
	return ok || err != nil
}

func (h *Handler) join(w http.ResponseWriter, r *http.Request, fr frontRequest) {
	ctx := r.Context()
	_, srv, ok := h.meetingServer(ctx, w, fr)
	if !ok {
		return
	}
	if !srv.Online || srv.State == scheduler.StateDisabled {
		writeFailed(w, "serverUnavailable", "The server for this meeting is disabled/offline.")
		return
	}
	c, err := h.client(srv)
	if err != nil {
		writeFailed(w, "internalError", "Unable to access meeting on server.")
		return
	}
	if h.cfg.joinLoad > 0 {
		if err := h.sched.AddLoad(ctx, srv.ID, h.cfg.joinLoad); err != nil {
			h.cfg.log.Warn("join load", slog.String("server", srv.ID), slog.String("error", err.Error()))
		}
	}
	w.Header().Set("Location", c.SignedURL("join", fr.query))
	w.WriteHeader(http.StatusFound)
}

func (h *Handler) end(w http.ResponseWriter, r *http.Request, fr frontRequest) {
	ctx := r.Context()
	meetingID, srv, ok := h.meetingServer(ctx, w, fr)
	if !ok {
		return
	}
	// Like Scalelite: forget the meeting first, then tell the server.
	if err := h.sched.Release(ctx, meetingID); err != nil && !errors.Is(err, scheduler.ErrMeetingNotFound) {
		h.cfg.log.Warn("release on end", slog.String("server", srv.ID), slog.String("error", err.Error()))
	}
	h.tenants.forget(ctx, meetingID)
	h.proxy(w, ctx, srv, "end", fr.query)
}

// proxyMeeting serves isMeetingRunning (running=false for an unknown
// meeting) and getMeetingInfo (notFound).
func (h *Handler) proxyMeeting(w http.ResponseWriter, r *http.Request, fr frontRequest, isRunning bool) {
	ctx := r.Context()
	meetingID, ok := meetingIDParam(w, fr)
	if !ok {
		return
	}
	srv, err := h.lookup(ctx, fr, meetingID)
	if errors.Is(err, scheduler.ErrMeetingNotFound) && isRunning {
		writeXML(w, "<returncode>SUCCESS</returncode><running>false</running>")
		return
	}
	if err != nil {
		h.writeLookupError(w, err)
		return
	}
	h.proxy(w, ctx, srv, fr.call, fr.query)
}

func (h *Handler) writeLookupError(w http.ResponseWriter, err error) {
	if errors.Is(err, scheduler.ErrMeetingNotFound) || errors.Is(err, scheduler.ErrInvalid) {
		writeFailed(w, "notFound", "We could not find a meeting with that meeting ID - perhaps the meeting is not yet running?")
		return
	}
	h.cfg.log.Error("scheduler failed", slog.String("error", err.Error()))
	writeFailed(w, "internalError", "The scheduler is unavailable.")
}

// proxy forwards a GET call to srv and writes its answer verbatim.
func (h *Handler) proxy(w http.ResponseWriter, ctx context.Context, srv scheduler.Server, call string, q url.Values) {
	status, answer, err := h.forward(ctx, srv, call, q, http.MethodGet, nil, "")
	if err != nil || status != http.StatusOK {
		h.cfg.log.Warn("call failed on server", slog.String("call", call), slog.String("server", srv.ID),
			slog.Int("status", status), slog.Any("error", err))
		writeFailed(w, "internalError", "Unable to access meeting on server.")
		return
	}
	writeRaw(w, answer)
}

// forward sends call to srv, signed with the server's secret, and returns
// the answer. Errors never contain the URL's checksum.
func (h *Handler) forward(ctx context.Context, srv scheduler.Server, call string, q url.Values, method string, body []byte, contentType string) (int, []byte, error) {
	c, err := h.client(srv)
	if err != nil {
		return 0, nil, errors.New("no client for the server")
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.SignedURL(call, q), rd)
	if err != nil {
		return 0, nil, errors.New("cannot build the request")
	}
	if body != nil && contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := h.cfg.hc.Do(req)
	if err != nil {
		return 0, nil, httpcore.ScrubURLError(err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxForwardBytes+1))
	if err != nil {
		return resp.StatusCode, nil, err
	}
	if len(answer) > maxForwardBytes {
		return resp.StatusCode, nil, errors.New("answer too large")
	}
	return resp.StatusCode, answer, nil
}

func writeRaw(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
