package pool

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/bbbkit/bbbkit/webhooks"
)

// CallbackURLPath returns a WithCallbackURL function giving each server the
// callback base + "/" + the server's ID (path-escaped), which Receiver
// routes.
func CallbackURLPath(base string) func(Server) string {
	base = strings.TrimSuffix(base, "/")
	return func(s Server) string { return base + "/" + url.PathEscape(s.ID) }
}

type serverIDKey struct{}

// ServerID returns the ID of the pool server a delivery came from, in the
// context a Receiver passes to the DeliveryFunc.
func ServerID(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(serverIDKey{}).(string)
	return id, ok
}

// Receiver is the http.Handler for the callbacks of a pool whose servers
// have secrets of their own: the last path segment of the request names the
// server (see CallbackURLPath), and the delivery is verified by a
// webhooks.Handler with that server's secret and callback URL. A request
// for a server the Reconciler does not know is answered 404, so the hook of
// a server that left the pool runs out of retries and is dropped. The
// DeliveryFunc learns the server with ServerID.
type Receiver struct {
	rec  *Reconciler
	fn   webhooks.DeliveryFunc
	opts []webhooks.HandlerOption

	mu       sync.Mutex
	handlers map[string]receiverEntry
}

type receiverEntry struct {
	srv Server
	cb  string
	h   *webhooks.Handler
}

// NewReceiver returns a Receiver for the servers of rec, handing verified
// deliveries to fn; opts configure each server's webhooks.Handler.
func NewReceiver(rec *Reconciler, fn webhooks.DeliveryFunc, opts ...webhooks.HandlerOption) *Receiver {
	return &Receiver{rec: rec, fn: fn, opts: opts, handlers: map[string]receiverEntry{}}
}

// ServeHTTP implements http.Handler.
func (rv *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	seg := r.URL.EscapedPath()
	seg = seg[strings.LastIndexByte(seg, '/')+1:]
	id, err := url.PathUnescape(seg)
	if err != nil || id == "" {
		http.NotFound(w, r)
		return
	}
	h, err := rv.handler(id)
	if err != nil {
		http.Error(w, "receiver misconfigured", http.StatusInternalServerError)
		return
	}
	if h == nil {
		http.NotFound(w, r)
		return
	}
	h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), serverIDKey{}, id)))
}

// handler returns the webhooks.Handler of server id, made anew when the
// server's secret or callback URL changed; nil for an unknown server.
func (rv *Receiver) handler(id string) (*webhooks.Handler, error) {
	rv.rec.mu.Lock()
	m := rv.rec.servers[id]
	var srv Server
	var cb string
	if m != nil {
		srv, cb = m.srv, m.status.CallbackURL
	}
	rv.rec.mu.Unlock()
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if m == nil {
		delete(rv.handlers, id)
		return nil, nil
	}
	if e, ok := rv.handlers[id]; ok && e.srv == srv && e.cb == cb {
		return e.h, nil
	}
	h, err := webhooks.NewHandler(srv.Secret, cb, rv.fn, rv.opts...)
	if err != nil {
		return nil, err
	}
	rv.handlers[id] = receiverEntry{srv: srv, cb: cb, h: h}
	return h, nil
}
