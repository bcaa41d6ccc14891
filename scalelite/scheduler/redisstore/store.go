package redisstore

import (
	"context"
	"errors"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// DefaultPrefix is the key prefix used without WithPrefix.
const DefaultPrefix = "bbbkit:scheduler:"

// Store is a scheduler.Store backed by Redis. It is safe for concurrent use
// by several goroutines and processes.
type Store struct {
	rdb    redis.Scripter
	prefix string
}

var _ scheduler.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store) error

// WithPrefix sets the key prefix (default DefaultPrefix). It must not be
// empty or contain whitespace.
func WithPrefix(p string) Option {
	return func(s *Store) error {
		if p == "" || strings.ContainsAny(p, " \t\r\n") {
			return &scheduler.ValidationError{Field: "prefix", Reason: "must be non-empty without whitespace"}
		}
		s.prefix = p
		return nil
	}
}

// New returns a Store using rdb, typically a *redis.Client or a
// *redis.ClusterClient (see the package documentation about hash tags).
// The Store does not own rdb: closing it is the caller's job. New does no
// I/O.
func New(rdb redis.Scripter, opts ...Option) (*Store, error) {
	if rdb == nil {
		return nil, &scheduler.ValidationError{Field: "redis client", Reason: "must not be nil"}
	}
	s := &Store{rdb: rdb, prefix: DefaultPrefix}
	var errs []error
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(s); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// Prefix returns the key prefix.
func (s *Store) Prefix() string { return s.prefix }

var errNotImplemented = errors.New("redisstore: not implemented yet")

// AddServer implements scheduler.Store.
func (s *Store) AddServer(ctx context.Context, srv scheduler.Server) error {
	return errNotImplemented
}

// Server implements scheduler.Store.
func (s *Store) Server(ctx context.Context, id string) (scheduler.Server, error) {
	return scheduler.Server{}, errNotImplemented
}

// Servers implements scheduler.Store.
func (s *Store) Servers(ctx context.Context) ([]scheduler.Server, error) {
	return nil, errNotImplemented
}

// UpdateServer implements scheduler.Store.
func (s *Store) UpdateServer(ctx context.Context, id string, u scheduler.ServerUpdate) (scheduler.Server, []string, error) {
	return scheduler.Server{}, nil, errNotImplemented
}

// DeleteServer implements scheduler.Store.
func (s *Store) DeleteServer(ctx context.Context, id string) ([]string, error) {
	return nil, errNotImplemented
}

// ClearServer implements scheduler.Store.
func (s *Store) ClearServer(ctx context.Context, id string, disable bool) (scheduler.Server, []string, error) {
	return scheduler.Server{}, nil, errNotImplemented
}

// Pick implements scheduler.Store.
func (s *Store) Pick(ctx context.Context, req scheduler.PickRequest) (scheduler.Placement, error) {
	return scheduler.Placement{}, errNotImplemented
}

// Lookup implements scheduler.Store.
func (s *Store) Lookup(ctx context.Context, meetingID string) (scheduler.Server, error) {
	return scheduler.Server{}, errNotImplemented
}

// Release implements scheduler.Store.
func (s *Store) Release(ctx context.Context, meetingID string) (string, error) {
	return "", errNotImplemented
}

// AddLoad implements scheduler.Store.
func (s *Store) AddLoad(ctx context.Context, serverID string, units float64) error {
	return errNotImplemented
}

// MeetingIDs implements scheduler.Store.
func (s *Store) MeetingIDs(ctx context.Context, serverID string) ([]string, error) {
	return nil, errNotImplemented
}

// ApplyPoll implements scheduler.Store.
func (s *Store) ApplyPoll(ctx context.Context, serverID string, r scheduler.PollResult) (scheduler.PollOutcome, error) {
	return scheduler.PollOutcome{}, errNotImplemented
}
