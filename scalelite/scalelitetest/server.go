package scalelitetest

import (
	"context"
	"net/http/httptest"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// Server is a fake Scalelite listening on a loopback port, in the manner of
// httptest.Server.
type Server struct {
	// URL is the root URL, such as "http://127.0.0.1:40123", without a
	// trailing slash. The BigBlueButton API is at APIURL(), the admin API
	// at URL + "/scalelite/api/".
	URL string
	// Secret is the balancer secret.
	Secret string

	h      *Handler
	ts     *httptest.Server
	cancel context.CancelFunc
	done   chan struct{}
}

// NewServer starts a fake Scalelite on 127.0.0.1. With WithPollInterval it
// also runs the scheduler's poller until Close.
func NewServer(opts ...Option) (*Server, error) {
	h, err := NewHandler(opts...)
	if err != nil {
		return nil, err
	}
	s := &Server{h: h, Secret: h.cfg.secret, ts: httptest.NewServer(h)}
	s.URL = s.ts.URL
	if h.cfg.pollInterval > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		s.cancel, s.done = cancel, make(chan struct{})
		go func() {
			defer close(s.done)
			_ = h.sched.Run(ctx)
		}()
	}
	return s, nil
}

// APIURL returns the BigBlueButton API URL frontends use, ending in
// "/bigbluebutton/api/".
func (s *Server) APIURL() string { return s.URL + "/bigbluebutton/api/" }

// Handler returns the Handler serving the fake.
func (s *Server) Handler() *Handler { return s.h }

// Scheduler returns the scheduler; tests call Scheduler().Poll to poll.
func (s *Server) Scheduler() *scheduler.Scheduler { return s.h.sched }

// AdminClient returns a scalelite.Client for the admin API, signed with the
// balancer secret.
func (s *Server) AdminClient(opts ...scalelite.Option) (*scalelite.Client, error) {
	return scalelite.New(s.URL, s.Secret, opts...)
}

// Client returns a bbb.Client for the BigBlueButton API, signed with the
// balancer secret.
func (s *Server) Client(opts ...bbb.Option) (*bbb.Client, error) {
	return bbb.New(s.APIURL(), s.Secret, opts...)
}

// Close stops the poller, if any, and the listener.
func (s *Server) Close() {
	if s.cancel != nil {
		s.cancel()
		<-s.done
	}
	s.ts.Close()
}
