package redisstore

import (
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
