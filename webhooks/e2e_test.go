package webhooks_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/webhooks"
)

// These tests run the receiver against bbbtest, whose delivery follows
// bbb-webhooks 3.4+ (form body, checksum or bearer, retries, hook removal).

// collector is a DeliveryFunc that records events and can be told to fail.
type collector struct {
	mu     sync.Mutex
	events []webhooks.Event
	fail   func(webhooks.Event) error
	delay  func(webhooks.Event) time.Duration
}

func (c *collector) fn(ctx context.Context, d *webhooks.Delivery) error {
	for _, e := range d.Events {
		c.mu.Lock()
		fail, delay := c.fail, c.delay
		c.mu.Unlock()
		if delay != nil {
			if d := delay(e); d > 0 {
				time.Sleep(d)
			}
		}
		if fail != nil {
			if err := fail(e); err != nil {
				return err
			}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, d.Events...)
	return nil
}

func (c *collector) got() []webhooks.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]webhooks.Event(nil), c.events...)
}

// emitted records what the fake emitted.
type emitted struct {
	mu  sync.Mutex
	evs []bbbtest.Event
}

func (e *emitted) add(ev bbbtest.Event) { e.mu.Lock(); e.evs = append(e.evs, ev); e.mu.Unlock() }
func (e *emitted) all() []bbbtest.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]bbbtest.Event(nil), e.evs...)
}

type e2eEnv struct {
	fake     *bbbtest.Server
	recv     *httptest.Server
	callback string
	handler  *webhooks.Handler
	col      *collector
	emitted  *emitted
	bbb      *bbb.Client
	hooks    *webhooks.Client
}

func newE2E(t *testing.T, fakeOpts []bbbtest.Option, secret func(fakeSecret string) string, hopts ...webhooks.HandlerOption) *e2eEnv {
	t.Helper()
	env := &e2eEnv{col: &collector{}, emitted: &emitted{}}
	var h atomic.Pointer[webhooks.Handler]
	env.recv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.Load().ServeHTTP(w, r) }))
	t.Cleanup(env.recv.Close)
	env.callback = env.recv.URL + "/bbb/hook?tenant=t1"
	opts := append([]bbbtest.Option{
		bbbtest.WithWebhookRetry(5*time.Millisecond, 10*time.Millisecond, 20*time.Millisecond),
		bbbtest.WithWebhookTimeout(2 * time.Second),
		bbbtest.WithObserver(env.emitted.add),
	}, fakeOpts...)
	env.fake = bbbtest.NewServer(opts...)
	t.Cleanup(env.fake.Close)
	s := env.fake.Secret
	if secret != nil {
		s = secret(s)
	}
	handler, err := webhooks.NewHandler(s, env.callback, env.col.fn, hopts...)
	require.NoError(t, err)
	h.Store(handler)
	env.handler = handler
	env.bbb, err = bbb.New(env.fake.APIURL(), env.fake.Secret, bbb.WithHTTPClient(env.fake.Client()))
	require.NoError(t, err)
	env.hooks, err = webhooks.NewClient(env.bbb)
	require.NoError(t, err)
	return env
}

// meeting runs a small meeting on the fake: create, two joins, a leave,
// end. It returns the external meeting ID.
func (env *e2eEnv) meeting(t *testing.T, id string) {
	t.Helper()
	ctx := context.Background()
	_, err := env.bbb.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "E2E " + id, MeetingID: id})
	require.NoError(t, err)
	ann, err := env.fake.Join(id, bbbtest.User{FullName: "Ann", Role: "MODERATOR", UserID: "ann"})
	require.NoError(t, err)
	_, err = env.fake.Join(id, bbbtest.User{FullName: "Bo & \"Co\" *~", UserID: "bo"})
	require.NoError(t, err)
	require.NoError(t, env.fake.Leave(id, ann.UserID))
	require.NoError(t, env.fake.EndMeeting(id))
}

// waitFor polls until cond holds or fails the test after 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// assertExactlyOnce checks that every emitted event reached the collector
// once, with its JSON intact.
func assertExactlyOnce(t *testing.T, env *e2eEnv, raw bool) {
	t.Helper()
	want := env.emitted.all()
	require.NotEmpty(t, want)
	waitFor(t, "all events", func() bool { return len(env.col.got()) >= len(want) })
	time.Sleep(30 * time.Millisecond) // let stray retries arrive, if any
	got := env.col.got()
	require.Len(t, got, len(want), "each event exactly once")
	seen := map[string]int{}
	for _, e := range got {
		seen[string(e.JSON)]++
	}
	for _, w := range want {
		body := w.JSON
		if raw {
			body = w.Raw
		}
		assert.Equal(t, 1, seen[string(body)], "event %s", w.ID)
	}
}

func TestEndToEndWithFakeServer(t *testing.T) {
	t.Parallel()
	modes := []struct {
		name  string
		fake  []bbbtest.Option
		hopts []webhooks.HandlerOption
	}{
		{"sha1 default", nil, nil},
		{"sha256", []bbbtest.Option{bbbtest.WithWebhookChecksum(checksum.SHA256)}, []webhooks.HandlerOption{webhooks.WithAcceptedChecksums(checksum.SHA256)}},
		{"sha384", []bbbtest.Option{bbbtest.WithWebhookChecksum(checksum.SHA384)}, nil},
		{"sha512", []bbbtest.Option{bbbtest.WithWebhookChecksum(checksum.SHA512)}, nil},
		{"bearer", []bbbtest.Option{bbbtest.WithWebhookBearer()}, []webhooks.HandlerOption{webhooks.WithBearer()}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			env := newE2E(t, m.fake, nil, append(m.hopts, webhooks.WithDedup(time.Minute, 0))...)
			res, err := env.hooks.Create(context.Background(), webhooks.CreateParams{CallbackURL: env.callback})
			require.NoError(t, err)
			require.False(t, res.Duplicate)
			env.meeting(t, "e2e-"+m.name)
			assertExactlyOnce(t, env, false)

			types := map[webhooks.EventType]int{}
			for _, e := range env.col.got() {
				types[e.Type]++
				assert.False(t, e.Raw)
				assert.Equal(t, "e2e-"+m.name, e.MeetingID)
				assert.NotEmpty(t, e.InternalMeetingID)
				assert.NoError(t, e.DecodeErr)
				if e.Type == webhooks.EventUserJoined {
					assert.Contains(t, []string{"Ann", `Bo & "Co" *~`}, e.Attributes.User.Name)
				}
			}
			assert.Equal(t, 1, types[webhooks.EventMeetingCreated])
			assert.Equal(t, 2, types[webhooks.EventUserJoined])
			assert.Equal(t, 1, types[webhooks.EventMeetingEnded])
			st := env.handler.Stats()
			assert.Empty(t, st.Rejected)
			for _, d := range env.fake.Deliveries() {
				assert.Equal(t, http.StatusOK, d.StatusCode)
			}
		})
	}
}

func TestEndToEndRawHook(t *testing.T) {
	t.Parallel()
	env := newE2E(t, nil, nil)
	_, err := env.hooks.Create(context.Background(), webhooks.CreateParams{CallbackURL: env.callback, Raw: true})
	require.NoError(t, err)
	env.meeting(t, "raw-1")
	assertExactlyOnce(t, env, true)
	for _, e := range env.col.got() {
		assert.True(t, e.Raw)
		assert.NotEmpty(t, e.Message.Name)
		assert.NotEmpty(t, e.InternalMeetingID)
	}
}

func TestEndToEndRetriesAreDeliveredOnce(t *testing.T) {
	t.Parallel()
	env := newE2E(t, nil, nil, webhooks.WithDedup(time.Minute, 0))
	var failed sync.Map
	env.col.fail = func(e webhooks.Event) error {
		// The first attempt of every user-joined fails (500): the fake
		// retries and the second attempt goes through.
		if e.Type == webhooks.EventUserJoined {
			if _, loaded := failed.LoadOrStore(string(e.JSON), true); !loaded {
				return assert.AnError
			}
		}
		return nil
	}
	_, err := env.hooks.Create(context.Background(), webhooks.CreateParams{CallbackURL: env.callback})
	require.NoError(t, err)
	env.meeting(t, "retry-1")
	assertExactlyOnce(t, env, false)
	var fails int
	for _, d := range env.fake.Deliveries() {
		if d.StatusCode == http.StatusInternalServerError {
			fails++
			assert.Equal(t, "user-joined", d.EventID)
		}
	}
	assert.Equal(t, 2, fails)
	assert.Equal(t, uint64(2), env.handler.Stats().Rejected[webhooks.ReasonCallback])
}

func TestEndToEndTimeoutRetryIsAbsorbed(t *testing.T) {
	t.Parallel()
	// The consumer is slower than the sender's timeout for meeting-created:
	// the sender gives up and retries while the first copy is still being
	// handled. The copy waits and is absorbed, so the event comes out once.
	env := newE2E(t, []bbbtest.Option{bbbtest.WithWebhookTimeout(60 * time.Millisecond),
		// Enough retries that a loaded test machine cannot exhaust them.
		bbbtest.WithWebhookRetry(5*time.Millisecond, 10*time.Millisecond, 20*time.Millisecond, 50*time.Millisecond,
			100*time.Millisecond, 200*time.Millisecond, 400*time.Millisecond, 800*time.Millisecond)},
		nil, webhooks.WithDedup(time.Minute, 0))
	var slowed atomic.Bool
	env.col.delay = func(e webhooks.Event) time.Duration {
		if e.Type == webhooks.EventMeetingCreated && slowed.CompareAndSwap(false, true) {
			return 150 * time.Millisecond
		}
		return 0
	}
	_, err := env.hooks.Create(context.Background(), webhooks.CreateParams{CallbackURL: env.callback})
	require.NoError(t, err)
	env.meeting(t, "slow-1")
	assertExactlyOnce(t, env, false)
	waitFor(t, "a duplicate", func() bool { return env.handler.Stats().Duplicates >= 1 })
	var timeouts int
	for _, d := range env.fake.Deliveries() {
		if d.EventID == "meeting-created" && d.StatusCode == 0 {
			timeouts++
		}
	}
	assert.GreaterOrEqual(t, timeouts, 1, "the sender timed out at least once")
}

func TestEndToEndWrongSecretIsRefused(t *testing.T) {
	t.Parallel()
	env := newE2E(t, nil, func(string) string { return "not-the-fake-secret" })
	_, err := env.hooks.Create(context.Background(), webhooks.CreateParams{CallbackURL: env.callback})
	require.NoError(t, err)
	env.meeting(t, "forged-1")
	n := len(env.emitted.all())
	waitFor(t, "refusals", func() bool { return env.handler.Stats().Rejected[webhooks.ReasonUnauthenticated] >= uint64(n) })
	assert.Empty(t, env.col.got())
	for _, d := range env.fake.Deliveries() {
		assert.Equal(t, http.StatusUnauthorized, d.StatusCode)
		assert.True(t, d.Delivered, "bbb-webhooks counts 401 as delivered and does not retry")
		assert.Zero(t, d.Attempt)
	}
}

func TestEndToEndEnsureRestoresRemovedHook(t *testing.T) {
	t.Parallel()
	env := newE2E(t, nil, nil, webhooks.WithDedup(time.Minute, 0))
	var down atomic.Bool
	down.Store(true)
	env.col.fail = func(webhooks.Event) error {
		if down.Load() {
			return assert.AnError
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	ensured := make(chan error, 1)
	checks := make(chan webhooks.EnsureEvent, 1000)
	go func() {
		ensured <- env.hooks.Ensure(ctx, webhooks.CreateParams{CallbackURL: env.callback},
			webhooks.WithInterval(20*time.Millisecond), webhooks.WithBackoff(5*time.Millisecond, 20*time.Millisecond),
			webhooks.WithEnsureObserver(func(e webhooks.EnsureEvent) { checks <- e }))
	}()
	waitFor(t, "the hook", func() bool { return len(env.fake.Hooks()) == 1 })
	first := env.fake.Hooks()[0].HookID

	// The receiver fails every attempt: the fake gives up and removes the hook.
	_, err := env.bbb.CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "lost", MeetingID: "lost-1"})
	require.NoError(t, err)
	waitFor(t, "hook removal", func() bool {
		for _, d := range env.fake.Deliveries() {
			if d.HookRemoved {
				return true
			}
		}
		return false
	})
	// Ensure registers it again.
	waitFor(t, "a new hook", func() bool {
		h := env.fake.Hooks()
		return len(h) == 1 && h[0].HookID != first
	})
	down.Store(false)
	_, err = env.bbb.CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "back", MeetingID: "back-1"})
	require.NoError(t, err)
	waitFor(t, "the event after re-registration", func() bool {
		for _, e := range env.col.got() {
			if e.MeetingID == "back-1" {
				return true
			}
		}
		return false
	})
	cancel()
	assert.ErrorIs(t, <-ensured, context.Canceled)
	created := 0
	for len(checks) > 0 {
		if e := <-checks; e.Result != nil && e.Result.Created {
			created++
		}
	}
	assert.GreaterOrEqual(t, created, 2)
}
