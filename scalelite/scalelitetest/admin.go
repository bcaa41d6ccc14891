package scalelitetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// pollNowTimeout bounds the poll an admin change triggers, so that adding an
// unreachable server does not hold the admin call for long.
const pollNowTimeout = 3 * time.Second

// maxAdminBody caps admin request bodies.
const maxAdminBody = 1 << 20

// adminActions maps each admin action to its HTTP method.
var adminActions = map[string]string{
	"getServers": http.MethodGet, "getServerInfo": http.MethodGet, "addServer": http.MethodPost,
	"updateServer": http.MethodPost, "deleteServer": http.MethodPost, "panicServer": http.MethodPost,
	"getTenants": http.MethodGet, "getTenantInfo": http.MethodGet, "addTenant": http.MethodPost,
	"updateTenant": http.MethodPost, "deleteTenant": http.MethodPost,
	"getCapacity": http.MethodGet, "drainServer": http.MethodPost, "getScalePlan": http.MethodGet,
}

// serveAdmin serves /scalelite/api/{action}.
func (h *Handler) serveAdmin(w http.ResponseWriter, r *http.Request, action string) {
	method, ok := adminActions[action]
	if !ok || r.Method != method {
		writeFailed(w, "unsupportedRequest", "This request is not supported.")
		return
	}
	// Scalelite checks the content type before the checksum.
	if r.Method == http.MethodPost && r.ContentLength > 0 && !isJSON(r) {
		writeFailed(w, "unsupportedContentType", "POST request Content-Type is missing or unsupported")
		return
	}
	// The query is checked before a byte of the body is read, so that an
	// unauthenticated client cannot make the balancer hold a body.
	auth, ok := h.verifyAdminQuery(w, action, r.URL.RawQuery)
	if !ok {
		return
	}
	var body []byte
	if r.Method == http.MethodPost {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxAdminBody+1))
		if err != nil || len(b) > maxAdminBody {
			writeJSONError(w, http.StatusRequestEntityTooLarge, "request body too large")
			return
		}
		body = b
		if len(body) > 0 && !isJSON(r) {
			writeFailed(w, "unsupportedContentType", "POST request Content-Type is missing or unsupported")
			return
		}
	}
	if auth.VerifyBody(body) != nil {
		writeFailed(w, "checksumError", "You did not pass the checksum security check: the body does not match its signed bodySHA256")
		return
	}
	if strings.HasSuffix(action, "Tenant") || action == "getTenants" || action == "getTenantInfo" {
		if !h.cfg.multitenancy {
			writeJSON(w, http.StatusPreconditionFailed, map[string]string{"message": "Multitenancy is disabled"})
			return
		}
	}
	var req adminRequest
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			writeJSONError(w, http.StatusBadRequest, "The request body is not valid JSON.")
			return
		}
	}
	if req.ID == "" {
		req.ID = r.URL.Query().Get("id")
	}
	h.dispatchAdmin(r.Context(), w, action, req)
}

// dispatchAdmin runs an authenticated admin action.
func (h *Handler) dispatchAdmin(ctx context.Context, w http.ResponseWriter, action string, req adminRequest) {
	switch action {
	case "getServers":
		h.adminGetServers(ctx, w)
	case "getServerInfo":
		h.adminGetServer(ctx, w, req.ID)
	case "addServer":
		h.adminAddServer(ctx, w, req)
	case "updateServer":
		h.adminUpdateServer(ctx, w, req)
	case "deleteServer":
		h.adminDeleteServer(ctx, w, req.ID)
	case "panicServer":
		h.adminPanicServer(ctx, w, req)
	case "getCapacity":
		h.adminGetCapacity(ctx, w)
	case "drainServer":
		h.adminDrainServer(ctx, w, req)
	case "getScalePlan":
		h.adminGetScalePlan(ctx, w)
	case "getTenants":
		list, err := h.tenants.list(ctx)
		if err != nil {
			h.writeServerError(w, "", err)
			return
		}
		writeTenants(w, list)
	case "getTenantInfo":
		h.adminGetTenant(ctx, w, req.ID)
	case "addTenant":
		h.adminAddTenant(ctx, w, req)
	case "updateTenant":
		h.adminUpdateTenant(ctx, w, req)
	case "deleteTenant":
		h.adminDeleteTenant(ctx, w, req.ID)
	}
}

// verifyAdminQuery checks an admin request's query with the balancer secret
// (the admin API never takes a tenant's), accepting Scalelite's legacy
// scheme unless WithRequireStrongAuth, and answers checksumError when it
// fails. The messages say what to fix and hold no secret.
func (h *Handler) verifyAdminQuery(w http.ResponseWriter, action, rawQuery string) (*scalelite.AdminAuth, bool) {
	auth, err := scalelite.VerifyAdminQuery(action, rawQuery, h.cfg.secret, h.cfg.now(), h.cfg.algs...)
	msg := "You did not pass the checksum security check"
	switch {
	case errors.Is(err, scalelite.ErrRequestExpired):
		msg += ": the request has expired"
	case errors.Is(err, scalelite.ErrInvalidAuth):
		msg += ": " + strings.TrimPrefix(err.Error(), "scalelite: ")
	case err != nil:
	case auth.Scheme == scalelite.AuthLegacy && h.cfg.strongAuth:
		msg += ": this balancer requires bodySHA256 and expires in the signed query"
	default:
		return auth, true
	}
	writeFailed(w, "checksumError", msg)
	return nil, false
}

func isJSON(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/json"
}

// adminRequest is the union of the admin API's JSON bodies.
type adminRequest struct {
	ID        string          `json:"id"`
	KeepState json.RawMessage `json:"keep_state"`
	Server    *struct {
		URL            *string         `json:"url"`
		Secret         *string         `json:"secret"`
		LoadMultiplier json.RawMessage `json:"load_multiplier"`
		Tag            *string         `json:"tag"`
		State          *string         `json:"state"`
		KeepState      json.RawMessage `json:"keep_state"`
		Site           *string         `json:"site"`
		Capacity       json.RawMessage `json:"capacity"`
	} `json:"server"`
	// drainServer (bbbkit extension)
	DeadlineSeconds json.RawMessage `json:"deadline_seconds"`
	AtDeadline      string          `json:"at_deadline"`
	Message         string          `json:"message"`
	Tenant          *struct {
		Name      string  `json:"name"`
		Secrets   string  `json:"secrets"`
		SiteOrder *string `json:"site_order"` // bbbkit extension
	} `json:"tenant"`
}

// apiServer converts a scheduler server into the admin API's shape. The load
// is "unavailable" unless the server is online and not disabled, as in
// Scalelite.
func apiServer(s scheduler.Server) scalelite.Server {
	return scalelite.Server{
		ID: s.ID, URL: s.URL, Secret: s.Secret, Tag: s.Tag, State: scalelite.State(s.State),
		Load:           scalelite.Load{Value: s.Load, Known: s.Online && s.State != scheduler.StateDisabled},
		LoadMultiplier: s.LoadMultiplier, Online: s.Online, Site: s.Site, Capacity: s.Capacity,
	}
}

func (h *Handler) writeServerError(w http.ResponseWriter, id string, err error) {
	switch {
	case errors.Is(err, scheduler.ErrServerNotFound):
		writeJSONError(w, http.StatusNotFound, "Couldn't find server with id="+id)
	case errors.Is(err, scheduler.ErrInvalid), errors.Is(err, scheduler.ErrServerExists):
		writeJSONError(w, http.StatusBadRequest, err.Error())
	default:
		h.cfg.log.Error("scheduler failed", slog.String("error", err.Error()))
		writeJSONError(w, http.StatusInternalServerError, "The scheduler is unavailable.")
	}
}

func (h *Handler) adminGetServers(ctx context.Context, w http.ResponseWriter) {
	all, err := h.sched.Servers(ctx)
	if err != nil {
		h.writeServerError(w, "", err)
		return
	}
	if len(all) == 0 {
		writeJSONError(w, http.StatusNotFound, "No servers are configured")
		return
	}
	out := make([]scalelite.Server, len(all))
	for i, s := range all {
		out[i] = apiServer(s)
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) adminGetServer(ctx context.Context, w http.ResponseWriter, id string) {
	srv, err := h.sched.Server(ctx, id)
	if err != nil {
		h.writeServerError(w, id, err)
		return
	}
	writeJSON(w, http.StatusOK, apiServer(srv))
}

// pollNow polls a server right away so that it comes online without waiting
// for the poller; a failed poll only leaves it offline.
func (h *Handler) pollNow(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(ctx, pollNowTimeout)
	defer cancel()
	if err := h.sched.PollServer(ctx, id); err != nil {
		h.cfg.log.Debug("poll after admin change", slog.String("server", id), slog.String("error", err.Error()))
	}
}

func (h *Handler) adminAddServer(ctx context.Context, w http.ResponseWriter, req adminRequest) {
	if req.Server == nil || req.Server.URL == nil || *req.Server.URL == "" || req.Server.Secret == nil || *req.Server.Secret == "" {
		writeJSONError(w, http.StatusBadRequest, "Server needs a URL and a secret")
		return
	}
	cfg := scheduler.ServerConfig{URL: *req.Server.URL, Secret: *req.Server.Secret}
	if req.Server.Tag != nil {
		cfg.Tag = *req.Server.Tag
	}
	m, present, err := parseNumber(req.Server.LoadMultiplier)
	if err != nil || m < 0 {
		writeJSONError(w, http.StatusBadRequest, "Load-multiplier must be a positive number")
		return
	}
	if present {
		cfg.LoadMultiplier = m // 0 means 1, as in Scalelite
	}
	if req.Server.Site != nil {
		cfg.Site = *req.Server.Site
	}
	if c, present, err := parseNumber(req.Server.Capacity); err != nil || c < 0 {
		writeJSONError(w, http.StatusBadRequest, "Capacity must be a number >= 0")
		return
	} else if present {
		cfg.Capacity = c
	}
	srv, err := h.sched.AddServer(ctx, cfg)
	if err != nil {
		h.writeServerError(w, "", err)
		return
	}
	h.pollNow(ctx, srv.ID)
	if fresh, err := h.sched.Server(ctx, srv.ID); err == nil {
		srv = fresh
	}
	writeJSON(w, http.StatusCreated, apiServer(srv))
}

func (h *Handler) adminUpdateServer(ctx context.Context, w http.ResponseWriter, req adminRequest) {
	if req.ID == "" {
		writeJSONError(w, http.StatusNotFound, "Couldn't find server with id=")
		return
	}
	if _, err := h.sched.Server(ctx, req.ID); err != nil {
		h.writeServerError(w, req.ID, err)
		return
	}
	if req.Server == nil {
		writeJSONError(w, http.StatusBadRequest, "param is missing or the value is empty: server")
		return
	}
	var u scheduler.ServerUpdate
	if req.Server.State != nil {
		st, err := scheduler.ParseState(*req.Server.State)
		if err != nil {
			writeJSONError(w, http.StatusBadRequest, "Invalid state parameter: expected enable, cordon or disable")
			return
		}
		u.State = &st
	}
	if m, present, err := parseNumber(req.Server.LoadMultiplier); err != nil || (present && m <= 0) {
		writeJSONError(w, http.StatusBadRequest, "Load-multiplier must be a non-zero positive number")
		return
	} else if present {
		u.LoadMultiplier = &m
	}
	if req.Server.Secret != nil {
		if *req.Server.Secret == "" {
			writeJSONError(w, http.StatusBadRequest, "Secret must not be empty")
			return
		}
		u.Secret = req.Server.Secret
	}
	u.Tag = req.Server.Tag
	u.Site = req.Server.Site
	if c, present, err := parseNumber(req.Server.Capacity); err != nil || c < 0 {
		writeJSONError(w, http.StatusBadRequest, "Capacity must be a number >= 0")
		return
	} else if present {
		u.Capacity = &c
	}
	srv, err := h.sched.UpdateServer(ctx, req.ID, u)
	if err != nil {
		h.writeServerError(w, req.ID, err)
		return
	}
	if u.State != nil && *u.State == scheduler.StateEnabled && !srv.Online {
		h.pollNow(ctx, srv.ID)
		if fresh, err := h.sched.Server(ctx, srv.ID); err == nil {
			srv = fresh
		}
	}
	writeJSON(w, http.StatusOK, apiServer(srv))
}

func (h *Handler) adminDeleteServer(ctx context.Context, w http.ResponseWriter, id string) {
	if err := h.sched.DeleteServer(ctx, id); err != nil {
		h.writeServerError(w, id, err)
		return
	}
	h.forgetClient(id)
	writeJSON(w, http.StatusOK, map[string]string{"success": "Server id=" + id + " was destroyed"})
}

func (h *Handler) adminPanicServer(ctx context.Context, w http.ResponseWriter, req adminRequest) {
	srv, err := h.sched.Server(ctx, req.ID)
	if err != nil {
		h.writeServerError(w, req.ID, err)
		return
	}
	raw := req.KeepState
	if len(raw) == 0 && req.Server != nil {
		raw = req.Server.KeepState
	}
	keep, err := parseBool(raw)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, "keep_state must be a boolean")
		return
	}
	ids, err := h.sched.Panic(ctx, req.ID, keep)
	if err != nil {
		h.writeServerError(w, req.ID, err)
		return
	}
	h.tenants.forget(ctx, ids...)
	// End the meetings on the server, best effort and at once: unlike
	// Scalelite, one failed end does not abort the panic.
	if c, err := h.client(srv); err == nil {
		var wg sync.WaitGroup
		sem := make(chan struct{}, maxFanout)
		for _, id := range ids {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				ectx, cancel := context.WithTimeout(ctx, h.cfg.timeout)
				defer cancel()
				if err := c.EndMeeting(ectx, id); err != nil {
					h.cfg.log.Debug("end during panic", slog.String("server", srv.ID), slog.String("error", err.Error()))
				}
			}()
		}
		wg.Wait()
	}
	writeJSON(w, http.StatusOK, map[string]string{
		"success": fmt.Sprintf("Server id=%s has been disabled and the meetings have been destroyed", req.ID),
	})
}

func writeTenants(w http.ResponseWriter, list []scalelite.Tenant) {
	if len(list) == 0 {
		writeJSON(w, http.StatusOK, map[string]string{"message": "No tenants exist"})
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (h *Handler) adminGetTenant(ctx context.Context, w http.ResponseWriter, id string) {
	tn, ok := h.tenants.get(ctx, id)
	if !ok {
		writeJSONError(w, http.StatusNotFound, "Couldn't find Tenant with id="+id)
		return
	}
	writeJSON(w, http.StatusOK, tn)
}

func (h *Handler) adminAddTenant(ctx context.Context, w http.ResponseWriter, req adminRequest) {
	if req.Tenant == nil || req.Tenant.Name == "" || len(splitSecrets(req.Tenant.Secrets)) == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Error: both name and secrets are required to create a Tenant"})
		return
	}
	if !scalelite.ValidTenantName(req.Tenant.Name) {
		writeJSONError(w, http.StatusBadRequest, "The tenant name must be a DNS label")
		return
	}
	order, ok := tenantSiteOrder(w, req.Tenant.SiteOrder)
	if !ok {
		return
	}
	tn, err := h.tenants.add(ctx, req.Tenant.Name, splitSecrets(req.Tenant.Secrets), order)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, map[string]scalelite.Tenant{"tenant": tn})
}

func (h *Handler) adminUpdateTenant(ctx context.Context, w http.ResponseWriter, req adminRequest) {
	if _, ok := h.tenants.get(ctx, req.ID); !ok {
		writeJSONError(w, http.StatusNotFound, "Couldn't find Tenant with id="+req.ID)
		return
	}
	if req.Tenant == nil {
		writeJSONError(w, http.StatusBadRequest, "param is missing or the value is empty: tenant")
		return
	}
	if req.Tenant.Name != "" && !scalelite.ValidTenantName(req.Tenant.Name) {
		writeJSONError(w, http.StatusUnprocessableEntity, "The tenant name must be a DNS label")
		return
	}
	order, ok := tenantSiteOrder(w, req.Tenant.SiteOrder)
	if !ok {
		return
	}
	tn, ok, err := h.tenants.update(ctx, req.ID, req.Tenant.Name, splitSecrets(req.Tenant.Secrets), order)
	switch {
	case !ok:
		writeJSONError(w, http.StatusNotFound, "Couldn't find Tenant with id="+req.ID)
	case err != nil:
		writeJSONError(w, http.StatusUnprocessableEntity, err.Error())
	default:
		writeJSON(w, http.StatusOK, map[string]scalelite.Tenant{"tenant": tn})
	}
}

func (h *Handler) adminDeleteTenant(ctx context.Context, w http.ResponseWriter, id string) {
	if !h.tenants.remove(ctx, id) {
		writeJSONError(w, http.StatusNotFound, "Couldn't find Tenant with id="+id)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"success": "Tenant id=" + id + " was destroyed"})
}

// tenantSiteOrder parses a tenant's "site_order" (nil when absent); on a bad
// site it answers 400 and returns false.
func tenantSiteOrder(w http.ResponseWriter, raw *string) (*[]string, bool) {
	if raw == nil {
		return nil, true
	}
	order, err := scheduler.ParseSiteOrder(*raw)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, "site_order: "+err.Error())
		return nil, false
	}
	if order == nil {
		order = []string{}
	}
	return &order, true
}

// parseNumber reads a JSON number or a number in a string.
func parseNumber(raw json.RawMessage) (v float64, present bool, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false, nil
	}
	s := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, true, err
		}
		if strings.TrimSpace(s) == "" {
			return 0, false, nil
		}
	}
	v, err = strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v != v || v > 1e300 || v < -1e300 {
		return 0, true, errors.New("not a number")
	}
	return v, true, nil
}

// parseBool reads a JSON boolean or "true"/"false" (Rails accepts both).
func parseBool(raw json.RawMessage) (bool, error) {
	raw = bytes.TrimSpace(raw)
	switch strings.Trim(string(raw), `"`) {
	case "", "null", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, errors.New("not a boolean")
}
