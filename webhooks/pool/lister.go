package pool

import (
	"context"
	"errors"
	"slices"

	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// Server is one BigBlueButton server of a pool.
type Server struct {
	// ID identifies the server in the pool (Scalelite's or the scheduler's
	// server ID, or any stable name). It must be unique and non-empty.
	ID string
	// URL is the server's API base URL, such as
	// "https://bbb1.example.org/bigbluebutton/api/".
	URL string
	// Secret is the server's shared secret: hooks calls are signed with it
	// and bbb-webhooks signs its callbacks with it.
	Secret string
}

// String returns the ID and URL, never the secret.
func (s Server) String() string { return s.ID + " " + s.URL }

// GoString is String, so that %#v does not print the secret either.
func (s Server) GoString() string { return "pool.Server{" + s.String() + "}" }

// Lister returns the servers of the pool as they are now. The Reconciler
// calls it once per interval; a server missing from its answer is
// forgotten.
type Lister interface {
	Servers(ctx context.Context) ([]Server, error)
}

// ListerFunc adapts a function to Lister.
type ListerFunc func(ctx context.Context) ([]Server, error)

// Servers calls f.
func (f ListerFunc) Servers(ctx context.Context) ([]Server, error) { return f(ctx) }

// Static is a fixed list of servers.
type Static []Server

// Servers returns a copy of the list.
func (s Static) Servers(context.Context) ([]Server, error) { return slices.Clone(s), nil }

// FromScheduler lists the servers of a scheduler. Disabled servers are
// included: a disabled server still runs its meetings to their end, and
// their events are wanted.
func FromScheduler(s *scheduler.Scheduler) Lister {
	return ListerFunc(func(ctx context.Context) ([]Server, error) {
		if s == nil {
			return nil, errors.New("pool: nil scheduler")
		}
		list, err := s.Servers(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]Server, 0, len(list))
		for _, srv := range list {
			out = append(out, Server{ID: srv.ID, URL: srv.URL, Secret: srv.Secret})
		}
		return out, nil
	})
}

// FromScalelite lists the servers of a Scalelite through its admin API
// (getServers), whatever their state.
func FromScalelite(c *scalelite.Client) Lister {
	return ListerFunc(func(ctx context.Context) ([]Server, error) {
		if c == nil {
			return nil, errors.New("pool: nil scalelite.Client")
		}
		list, err := c.GetServers(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]Server, 0, len(list))
		for _, srv := range list {
			out = append(out, Server{ID: srv.ID, URL: srv.URL, Secret: srv.Secret})
		}
		return out, nil
	})
}
