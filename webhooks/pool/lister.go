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
	if s == nil {
		return failing("pool: nil scheduler")
	}
	return convert(s.Servers, func(srv scheduler.Server) Server { return Server{ID: srv.ID, URL: srv.URL, Secret: srv.Secret} })
}

// FromScalelite lists the servers of a Scalelite through its admin API
// (getServers), whatever their state.
func FromScalelite(c *scalelite.Client) Lister {
	if c == nil {
		return failing("pool: nil scalelite.Client")
	}
	return convert(c.GetServers, func(srv scalelite.Server) Server { return Server{ID: srv.ID, URL: srv.URL, Secret: srv.Secret} })
}

// convert adapts a list call of another package to Lister.
func convert[T any](list func(context.Context) ([]T, error), to func(T) Server) Lister {
	return ListerFunc(func(ctx context.Context) ([]Server, error) {
		got, err := list(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]Server, 0, len(got))
		for _, srv := range got {
			out = append(out, to(srv))
		}
		return out, nil
	})
}

func failing(msg string) Lister {
	return ListerFunc(func(context.Context) ([]Server, error) { return nil, errors.New(msg) })
}
