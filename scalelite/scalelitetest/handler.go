package scalelitetest

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// Handler serves the fake Scalelite: the BigBlueButton API under
// /bigbluebutton/api/, the admin API under /scalelite/api/, and /health and
// /health_check. It is safe for concurrent use. It does not poll the servers:
// run Scheduler().Run next to it, or use NewServer with WithPollInterval.
type Handler struct {
	cfg      *config
	sched    *scheduler.Scheduler
	backends backends
	tenants  tenantRegistry

	// drains started by drainServer run until done or until Close.
	drainCtx  context.Context
	drainStop context.CancelFunc
	drains    sync.WaitGroup
}

// NewHandler returns a Handler configured by opts.
func NewHandler(opts ...Option) (*Handler, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, sched: cfg.sched}
	h.backends.m = make(map[string]backend)
	h.tenants.init(cfg.sched.Store())
	h.drainCtx, h.drainStop = context.WithCancel(context.Background())
	return h, nil
}

// Close stops the drains that drainServer started (their servers stay
// cordoned) and waits for them.
func (h *Handler) Close() {
	h.drainStop()
	h.drains.Wait()
}

// Secret returns the balancer secret.
func (h *Handler) Secret() string { return h.cfg.secret }

// Scheduler returns the scheduler that places meetings and keeps the servers.
func (h *Handler) Scheduler() *scheduler.Scheduler { return h.sched }

// ServeHTTP routes a request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/health" || p == "/health_check":
		h.serveHealth(w, r)
	case p == "/bigbluebutton/api" || p == "/bigbluebutton/api/":
		writeXML(w, `<returncode>SUCCESS</returncode><version>2.0</version><apiVersion>2.0</apiVersion><build>bbbkit-scalelitetest</build>`)
	case strings.HasPrefix(p, "/bigbluebutton/api/"):
		h.serveFront(w, r, strings.TrimPrefix(p, "/bigbluebutton/api/"))
	case strings.HasPrefix(p, "/scalelite/api/"):
		h.serveAdmin(w, r, strings.TrimPrefix(p, "/scalelite/api/"))
	default:
		writeFailed(w, "unsupportedRequest", "This request is not supported.")
	}
}

// serveHealth answers "success" when the scheduler's store answers.
func (h *Handler) serveHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if _, err := h.sched.Servers(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("store unavailable\n"))
		return
	}
	_, _ = w.Write([]byte("success\n"))
}

// backend is a cached bbb.Client for one server.
type backend struct {
	url, secret string
	client      *bbb.Client
}

// backends caches one bbb.Client per server, rebuilt when the URL or the
// secret changes.
type backends struct {
	mu sync.Mutex
	m  map[string]backend
}

func (h *Handler) client(srv scheduler.Server) (*bbb.Client, error) {
	h.backends.mu.Lock()
	defer h.backends.mu.Unlock()
	if b, ok := h.backends.m[srv.ID]; ok && b.url == srv.URL && b.secret == srv.Secret {
		return b.client, nil
	}
	c, err := bbb.New(srv.URL, srv.Secret, bbb.WithHTTPClient(h.cfg.hc), bbb.WithChecksum(h.cfg.serverAlg),
		bbb.WithTimeout(h.cfg.timeout), bbb.WithLogger(h.cfg.log))
	if err != nil {
		return nil, err
	}
	h.backends.m[srv.ID] = backend{url: srv.URL, secret: srv.Secret, client: c}
	return c, nil
}

func (h *Handler) forgetClient(id string) {
	h.backends.mu.Lock()
	delete(h.backends.m, id)
	h.backends.mu.Unlock()
}
