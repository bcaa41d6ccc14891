package webhooks_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/google/go-cmp/cmp"
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
	if err != nil {
		t.Fatalf("bbb.New(...): %v", err)
	}
	c, err := webhooks.NewClient(bc, opts...)
	if err != nil {
		t.Fatalf("webhooks.NewClient(bc, opts...): %v", err)
	}
	return c
}

// Out of the box, against a SHA-1-only server: the SHA-256 call is refused,
// retried once with SHA-1, and every later call is signed with SHA-1.
func TestClientFallsBackToSHA1Once(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, srv := sha1OnlyAPI(t)
	c := newHooksClient(t, srv, testSecret)
	if got := c.Algorithm(); got != checksum.SHA256 {
		t.Errorf("c.Algorithm() = %v; want %v", got, checksum.SHA256)
	}

	res, err := c.Create(ctx, webhooks.CreateParams{CallbackURL: testCallback})
	if err != nil {
		t.Fatalf("c.Create(ctx, webhooks.CreateParams{CallbackURL: testCallback}): %v", err)
	}
	if res.Duplicate {
		t.Errorf("res.Duplicate = true; want false")
	}
	if diff := cmp.Diff([]checksum.Algorithm{checksum.SHA256, checksum.SHA1}, a.seen()); diff != "" {
		t.Errorf("a.seen() mismatch (-want +got):\n%s", diff)
	}
	if got := c.Algorithm(); got != checksum.SHA1 {
		t.Errorf("c.Algorithm() = %v; want %v", got, checksum.SHA1)
	}
	if got := a.snapshot(); len(got) != 1 {
		t.Fatalf("len(a.snapshot()) = %d; want %d: %v (the refused call created nothing; the retry created the hook once)", len(got), 1, got)
	}

	hooks, err := c.List(ctx, "")
	if err != nil {
		t.Fatalf("c.List(ctx, \"\"): %v", err)
	}
	if len(hooks) != 1 {
		t.Fatalf("len(hooks) = %d; want %d: %v", len(hooks), 1, hooks)
	}
	if err := c.Destroy(ctx, hooks[0].ID); err != nil {
		t.Fatalf("c.Destroy(ctx, hooks[0].ID): %v", err)
	}
	if diff := cmp.Diff([]checksum.Algorithm{checksum.SHA256, checksum.SHA1, checksum.SHA1, checksum.SHA1}, a.seen()); diff != "" {
		t.Errorf("a.seen() mismatch (-want +got) (the fallback is remembered: no more SHA-256 attempts):\n%s", diff)
	}
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
			if err != nil {
				t.Errorf("c.List(ctx, \"\"): %v", err)
			}
		})
	}
	wg.Wait()
	if got := c.Algorithm(); got != checksum.SHA1 {
		t.Errorf("c.Algorithm() = %v; want %v", got, checksum.SHA1)
	}
	before := len(a.seen())
	_, err := c.List(ctx, "")
	if err != nil {
		t.Fatalf("c.List(ctx, \"\"): %v", err)
	}
	if diff := cmp.Diff([]checksum.Algorithm{checksum.SHA1}, a.seen()[before:]); diff != "" {
		t.Errorf("a.seen()[before:] mismatch (-want +got):\n%s", diff)
	}
}

func TestClientChecksumChoiceAndNoFallback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	// A 3.x server accepts SHA-256: SHA-1 is never tried.
	a, srv := newHooksAPI(t)
	c := newHooksClient(t, srv, testSecret)
	_, err := c.List(ctx, "")
	if err != nil {
		t.Fatalf("c.List(ctx, \"\"): %v", err)
	}
	if diff := cmp.Diff([]checksum.Algorithm{checksum.SHA256}, a.seen()); diff != "" {
		t.Errorf("a.seen() mismatch (-want +got):\n%s", diff)
	}

	// An explicit algorithm is used as is, without fallback.
	a, srv = sha1OnlyAPI(t)
	c = newHooksClient(t, srv, testSecret, webhooks.WithChecksum(checksum.SHA512))
	if got := c.Algorithm(); got != checksum.SHA512 {
		t.Errorf("c.Algorithm() = %v; want %v", got, checksum.SHA512)
	}
	_, err = c.List(ctx, "")
	if !errors.Is(err, bbb.ErrChecksum) {
		t.Fatalf("c.List(ctx, \"\") = %v; want bbb.ErrChecksum", err)
	}
	if diff := cmp.Diff([]checksum.Algorithm{checksum.SHA512}, a.seen()); diff != "" {
		t.Errorf("a.seen() mismatch (-want +got):\n%s", diff)
	}

	a, srv = sha1OnlyAPI(t)
	c = newHooksClient(t, srv, testSecret, webhooks.WithChecksum(checksum.SHA1))
	_, err = c.List(ctx, "")
	if err != nil {
		t.Fatalf("c.List(ctx, \"\"): %v", err)
	}
	if diff := cmp.Diff([]checksum.Algorithm{checksum.SHA1}, a.seen()); diff != "" {
		t.Errorf("a.seen() mismatch (-want +got):\n%s", diff)
	}

	// A wrong secret fails with both: the error is the first call's, and
	// nothing is remembered.
	a, srv = sha1OnlyAPI(t)
	c = newHooksClient(t, srv, "not-the-secret")
	_, err = c.List(ctx, "")
	if !errors.Is(err, bbb.ErrChecksum) {
		t.Fatalf("c.List(ctx, \"\") = %v; want bbb.ErrChecksum", err)
	}
	if diff := cmp.Diff([]checksum.Algorithm{checksum.SHA256, checksum.SHA1}, a.seen()); diff != "" {
		t.Errorf("a.seen() mismatch (-want +got):\n%s", diff)
	}
	if got := c.Algorithm(); got != checksum.SHA256 {
		t.Errorf("c.Algorithm() = %v; want %v", got, checksum.SHA256)
	}
	if got := err.Error(); strings.Contains(got, "not-the-secret") {
		t.Errorf("err.Error() = %q; want it not to contain %q", got, "not-the-secret")
	}

	// Bad options are errors.
	bc, err := bbb.New(srv.URL+"/bigbluebutton/", testSecret)
	if err != nil {
		t.Fatalf("bbb.New(srv.URL+\"/bigbluebutton/\", testSecret): %v", err)
	}
	_, err = webhooks.NewClient(bc, webhooks.WithChecksum(checksum.Algorithm(0)))
	if err == nil {
		t.Errorf("webhooks.NewClient(bc, webhooks.WithChecksum(checksum.Algorithm(0))) = nil; want an error")
	}
	_, err = webhooks.NewClient(bc, nil)
	if err == nil {
		t.Errorf("webhooks.NewClient(bc, nil) = nil; want an error")
	}
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
			if err != nil {
				t.Fatalf("webhooks.NewClient(fake.BBBClient()): %v", err)
			}
			res, err := c.Create(ctx, webhooks.CreateParams{CallbackURL: "https://portal.example.org/bbb/events"})
			if err != nil {
				t.Fatalf("c.Create(...): %v", err)
			}
			if got := c.Algorithm(); got != tt.want {
				t.Errorf("c.Algorithm() = %v; want %v", got, tt.want)
			}
			hooks, err := c.List(ctx, "")
			if err != nil {
				t.Fatalf("c.List(ctx, \"\"): %v", err)
			}
			if len(hooks) != 1 {
				t.Fatalf("len(hooks) = %d; want %d: %v", len(hooks), 1, hooks)
			}
			if hooks[0].ID != res.Hook.ID {
				t.Errorf("hooks[0].ID = %v; want %v", hooks[0].ID, res.Hook.ID)
			}
			if err := c.Destroy(ctx, res.Hook.ID); err != nil {
				t.Fatalf("c.Destroy(ctx, res.Hook.ID): %v", err)
			}
			if got := fake.Hooks(); len(got) != 0 {
				t.Errorf("fake.Hooks() = %v; want empty", got)
			}

			// Without the fallback, the pre-3.0 server refuses SHA-256.
			strict, err := webhooks.NewClient(fake.BBBClient(), webhooks.WithChecksum(checksum.SHA256))
			if err != nil {
				t.Fatalf("webhooks.NewClient(...): %v", err)
			}
			_, err = strict.List(ctx, "")
			if tt.want == checksum.SHA1 {
				if !errors.Is(err, bbb.ErrChecksum) {
					t.Errorf("err = %v; want bbb.ErrChecksum", err)
				}
			} else {
				if err != nil {
					t.Errorf("strict.List(ctx, \"\") = %v; want nil", err)
				}
			}
		})
	}
}
