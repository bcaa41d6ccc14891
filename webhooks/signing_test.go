package webhooks_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/webhooks"
)

// sha1OnlyAPI is bbb-webhooks as shipped before BigBlueButton 3.0: its hooks
// API verifies SHA-1 checksums only (checked with crypto/sha1, see refSum).
func sha1OnlyAPI(t *testing.T) (*hooksAPI, *httptest.Server) {
	a, srv := newHooksAPI(t)
	a.only = []checksum.Algorithm{checksum.SHA1}
	return a, srv
}

func (a *hooksAPI) seen() []checksum.Algorithm {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]checksum.Algorithm(nil), a.algs...)
}

func newHooksClient(t *testing.T, srv *httptest.Server, secret string, opts ...webhooks.ClientOption) *webhooks.Client {
	t.Helper()
	bc, err := bbb.New(srv.URL+"/bigbluebutton/", secret, bbb.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	c, err := webhooks.NewClient(bc, opts...)
	require.NoError(t, err)
	return c
}

// Out of the box, against a SHA-1-only server: the SHA-256 call is refused,
// retried once with SHA-1, and every later call is signed with SHA-1.
func TestClientFallsBackToSHA1Once(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, srv := sha1OnlyAPI(t)
	c := newHooksClient(t, srv, testSecret)
	assert.Equal(t, checksum.SHA256, c.Algorithm())

	res, err := c.Create(ctx, webhooks.CreateParams{CallbackURL: testCallback})
	require.NoError(t, err)
	assert.False(t, res.Duplicate)
	assert.Equal(t, []checksum.Algorithm{checksum.SHA256, checksum.SHA1}, a.seen())
	assert.Equal(t, checksum.SHA1, c.Algorithm())
	require.Len(t, a.snapshot(), 1, "the refused call created nothing; the retry created the hook once")

	hooks, err := c.List(ctx, "")
	require.NoError(t, err)
	require.Len(t, hooks, 1)
	require.NoError(t, c.Destroy(ctx, hooks[0].ID))
	assert.Equal(t, []checksum.Algorithm{checksum.SHA256, checksum.SHA1, checksum.SHA1, checksum.SHA1}, a.seen(),
		"the fallback is remembered: no more SHA-256 attempts")
}

// Many goroutines hitting a fresh client at once all succeed (run with
// -race), and once one of them found SHA-1, calls stop trying SHA-256.
func TestClientFallbackIsConcurrencySafe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, srv := sha1OnlyAPI(t)
	c := newHooksClient(t, srv, testSecret)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			_, err := c.List(ctx, "")
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Equal(t, checksum.SHA1, c.Algorithm())
	before := len(a.seen())
	_, err := c.List(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, []checksum.Algorithm{checksum.SHA1}, a.seen()[before:])
}

func TestClientChecksumChoiceAndNoFallback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	// A 3.x server accepts SHA-256: SHA-1 is never tried.
	a, srv := newHooksAPI(t)
	c := newHooksClient(t, srv, testSecret)
	_, err := c.List(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, []checksum.Algorithm{checksum.SHA256}, a.seen())

	// An explicit algorithm is used as is, without fallback.
	a, srv = sha1OnlyAPI(t)
	c = newHooksClient(t, srv, testSecret, webhooks.WithChecksum(checksum.SHA512))
	assert.Equal(t, checksum.SHA512, c.Algorithm())
	_, err = c.List(ctx, "")
	require.ErrorIs(t, err, bbb.ErrChecksum)
	assert.Equal(t, []checksum.Algorithm{checksum.SHA512}, a.seen())

	a, srv = sha1OnlyAPI(t)
	c = newHooksClient(t, srv, testSecret, webhooks.WithChecksum(checksum.SHA1))
	_, err = c.List(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, []checksum.Algorithm{checksum.SHA1}, a.seen())

	// A wrong secret fails with both: the error is the first call's, and
	// nothing is remembered.
	a, srv = sha1OnlyAPI(t)
	c = newHooksClient(t, srv, "not-the-secret")
	_, err = c.List(ctx, "")
	require.ErrorIs(t, err, bbb.ErrChecksum)
	assert.Equal(t, []checksum.Algorithm{checksum.SHA256, checksum.SHA1}, a.seen())
	assert.Equal(t, checksum.SHA256, c.Algorithm())
	assert.NotContains(t, err.Error(), "not-the-secret")

	// Bad options are errors.
	bc, err := bbb.New(srv.URL+"/bigbluebutton/", testSecret)
	require.NoError(t, err)
	_, err = webhooks.NewClient(bc, webhooks.WithChecksum(checksum.Algorithm(0)))
	assert.Error(t, err)
	_, err = webhooks.NewClient(bc, nil)
	assert.Error(t, err)
}

// The same fallback against the fake BigBlueButton server, in its pre-3.0
// hooks mode and in its default (3.x) mode.
func TestClientFallbackAgainstFakeServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		opts []bbbtest.Option
		want checksum.Algorithm
	}{
		{"bbb-webhooks before 3.0", []bbbtest.Option{bbbtest.WithHooksSHA1Only()}, checksum.SHA1},
		{"bbb-webhooks 3.x", nil, checksum.SHA256},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := bbbtest.NewServer(tt.opts...)
			defer fake.Close()
			c, err := webhooks.NewClient(fake.BBBClient())
			require.NoError(t, err)
			res, err := c.Create(ctx, webhooks.CreateParams{CallbackURL: "https://portal.example.org/bbb/events"})
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.Algorithm())
			hooks, err := c.List(ctx, "")
			require.NoError(t, err)
			require.Len(t, hooks, 1)
			assert.Equal(t, res.Hook.ID, hooks[0].ID)
			require.NoError(t, c.Destroy(ctx, res.Hook.ID))
			assert.Empty(t, fake.Hooks())

			// Without the fallback, the pre-3.0 server refuses SHA-256.
			strict, err := webhooks.NewClient(fake.BBBClient(), webhooks.WithChecksum(checksum.SHA256))
			require.NoError(t, err)
			_, err = strict.List(ctx, "")
			if tt.want == checksum.SHA1 {
				assert.ErrorIs(t, err, bbb.ErrChecksum)
			} else {
				assert.NoError(t, err)
			}
		})
	}
}
