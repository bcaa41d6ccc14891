package webhooks

import (
	"context"
	"errors"
	"net/url"
	"sync/atomic"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// ClientOption configures a Client. NewClient checks every option and
// returns the first bad one as an error.
type ClientOption func(*clientConfig) error

type clientConfig struct {
	alg checksum.Algorithm // 0: the bbb.Client's, with the SHA-1 fallback
}

// WithChecksum makes the Client sign hooks calls with alg, and only with
// alg: there is no fallback. Use checksum.SHA1 for bbb-webhooks before
// BigBlueButton 3.0 (it verifies SHA-1 only), or the algorithm that
// bbb-webhooks 3.x's supportedChecksumAlgorithms requires.
func WithChecksum(alg checksum.Algorithm) ClientOption {
	return func(c *clientConfig) error {
		if !alg.Valid() {
			return errors.New("webhooks: WithChecksum: invalid checksum algorithm " + alg.String())
		}
		c.alg = alg
		return nil
	}
}

// signers holds the bbb.Clients that sign hooks calls.
type signers struct {
	primary *bbb.Client
	// sha1 is the fallback: the same client signing with SHA-1, or nil
	// when there is none (WithChecksum, or a primary signing with SHA-1).
	sha1    *bbb.Client
	useSHA1 atomic.Bool // set once a SHA-1 call succeeded after a refusal
}

func newSigners(c *bbb.Client, opts []ClientOption) (*signers, error) {
	var cfg clientConfig
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("webhooks: nil ClientOption")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	s := &signers{primary: c}
	var err error
	switch {
	case cfg.alg != 0 && cfg.alg != c.Algorithm():
		s.primary, err = c.Clone(bbb.WithChecksum(cfg.alg))
	case cfg.alg == 0 && c.Algorithm() != checksum.SHA1:
		s.sha1, err = c.Clone(bbb.WithChecksum(checksum.SHA1))
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// algorithm is the algorithm hooks calls are signed with now.
func (s *signers) algorithm() checksum.Algorithm {
	if s.useSHA1.Load() {
		return checksum.SHA1
	}
	return s.primary.Algorithm()
}

// hooksDo sends a hooks call and decodes its answer into a new T. Without
// WithChecksum, a checksumError answer to a call signed with another
// algorithm than SHA-1 is retried once signed with SHA-1, because
// bbb-webhooks before BigBlueButton 3.0 verifies SHA-1 only; when the server
// accepts that checksum (any answer but checksumError), the Client signs
// every later call with SHA-1. A refused call changes nothing on the
// server, so the retry cannot apply a call twice.
func hooksDo[T any, P interface {
	*T
	bbb.Response
}](ctx context.Context, s *signers, call string, q url.Values) (P, error) {
	if s.useSHA1.Load() {
		out := P(new(T))
		return out, s.sha1.Do(ctx, call, q, out)
	}
	out := P(new(T))
	err := s.primary.Do(ctx, call, q, out)
	if s.sha1 == nil || !errors.Is(err, bbb.ErrChecksum) || ctx.Err() != nil {
		return out, err
	}
	retry := P(new(T))
	rerr := s.sha1.Do(ctx, call, q, retry)
	if errors.Is(rerr, bbb.ErrChecksum) {
		return out, err // SHA-1 refused too: the secret is wrong
	}
	var apiErr *bbb.Error
	if rerr == nil || errors.As(rerr, &apiErr) {
		s.useSHA1.Store(true) // the server verified the SHA-1 checksum
	}
	return retry, rerr
}
