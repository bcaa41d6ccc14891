package scalelitetest

import (
	"context"
	"net/http"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/internal/fakeserver"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// Server is a fake Scalelite in the manner of httptest.Server: NewServer
// starts it on a loopback port, New makes one that a program serves as an
// http.Handler or starts with Start.
type Server struct {
	// URL is the server's root, such as "http://127.0.0.1:40123", without a
	// trailing slash, as in httptest.Server, bbbtest.Server and
	// greenlighttest.Server; empty until Start. The BigBlueButton API is at
	// APIURL(), the admin API at URL + "/scalelite/api/".
	URL string
	// Secret is the balancer secret.
	Secret string

	h      *Handler
	ln     fakeserver.Listener
	cancel context.CancelFunc
	done   chan struct{}
}

// New returns a fake Scalelite that is not listening yet, for programs:
// serve it as an http.Handler or call Start. It reports the first bad
// option.
func New(opts ...Option) (*Server, error) {
	h, err := NewHandler(opts...)
	if err != nil {
		return nil, err
	}
	return &Server{h: h, Secret: h.cfg.secret}, nil
}

// NewServer starts a fake Scalelite on 127.0.0.1, for tests. With
// WithPollInterval it also runs the scheduler's poller until Close. It
// panics if an option is invalid; use New to get an error instead.
func NewServer(opts ...Option) *Server {
	s := fakeserver.Must(New(opts...))
	s.Start()
	return s
}

// Start starts a Server made by New on a loopback port, sets URL, and with
// WithPollInterval runs the scheduler's poller until Close. It panics if the
// server is already started.
func (s *Server) Start() {
	s.URL = s.ln.Start("scalelitetest", s.h)
	if s.h.cfg.pollInterval > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		s.cancel, s.done = cancel, make(chan struct{})
		go func() {
			defer close(s.done)
			_ = s.h.sched.Run(ctx)
		}()
	}
}

// ServeHTTP serves the fake (see Handler).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.h.ServeHTTP(w, r) }

// APIURL returns the BigBlueButton API URL frontends use, ending in
// "/bigbluebutton/api/".
func (s *Server) APIURL() string { return s.URL + "/bigbluebutton/api/" }

// Handler returns the Handler serving the fake.
func (s *Server) Handler() *Handler { return s.h }

// Scheduler returns the scheduler; tests call Scheduler().Poll to poll.
func (s *Server) Scheduler() *scheduler.Scheduler { return s.h.sched }

// Client returns an *http.Client for the server, like httptest's. Before
// Start it returns a plain client.
func (s *Server) Client() *http.Client { return s.ln.Client() }

// AdminClient returns a scalelite.Client for the admin API, signed with the
// balancer secret and sent through Client(). It panics if an option is
// invalid, like NewServer; call scalelite.New(s.URL, s.Secret, opts...) to
// get an error instead.
func (s *Server) AdminClient(opts ...scalelite.Option) *scalelite.Client {
	return fakeserver.Must(scalelite.New(s.URL, s.Secret, append([]scalelite.Option{bbb.WithHTTPClient(s.Client())}, opts...)...))
}

// BBBClient returns a bbb.Client for the BigBlueButton API, signed with the
// balancer secret and sent through Client(). It panics if an option is
// invalid, like NewServer; call bbb.New(s.APIURL(), s.Secret, opts...) to
// get an error instead.
func (s *Server) BBBClient(opts ...bbb.Option) *bbb.Client {
	return fakeserver.Must(bbb.New(s.APIURL(), s.Secret, append([]bbb.Option{bbb.WithHTTPClient(s.Client())}, opts...)...))
}

// Close stops the poller, if any, the drains and the listener.
func (s *Server) Close() {
	if s.cancel != nil {
		s.cancel()
		<-s.done
		s.cancel = nil
	}
	s.h.Close()
	s.ln.Close()
}
