package webhooks_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/internal/testwait"
	"github.com/bbbkit/bbbkit/webhooks"
)

// These tests run the receiver against bbbtest, whose delivery follows
// bbb-webhooks 3.4+ (form body, checksum or bearer, retries, hook removal).

// errDeliveryFailed is what a collector's fail function returns to make a
// delivery fail.
var errDeliveryFailed = errors.New("delivery failed on purpose")

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
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	h.Store(handler)
	env.handler = handler
	env.bbb, err = bbb.New(env.fake.APIURL(), env.fake.Secret, bbb.WithHTTPClient(env.fake.Client()))
	if err != nil {
		t.Fatalf("bbb.New: %v", err)
	}
	env.hooks, err = webhooks.NewClient(env.bbb)
	if err != nil {
		t.Fatalf("webhooks.NewClient: %v", err)
	}
	return env
}

// meeting runs a small meeting on the fake: create, two joins, a leave,
// end. It returns the external meeting ID.
func (env *e2eEnv) meeting(t *testing.T, id string) {
	t.Helper()
	ctx := context.Background()
	_, err := env.bbb.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "E2E " + id, MeetingID: id})
	if err != nil {
		t.Fatalf("CreateMeeting(%q): %v", id, err)
	}
	ann, err := env.fake.Join(id, bbbtest.User{FullName: "Ann", Role: "MODERATOR", UserID: "ann"})
	if err != nil {
		t.Fatalf("Join(%q, Ann): %v", id, err)
	}
	_, err = env.fake.Join(id, bbbtest.User{FullName: "Bo & \"Co\" *~", UserID: "bo"})
	if err != nil {
		t.Fatalf("Join(%q, Bo): %v", id, err)
	}
	if err := env.fake.Leave(id, ann.UserID); err != nil {
		t.Fatalf("Leave(%q, %q): %v", id, ann.UserID, err)
	}
	if err := env.fake.EndMeeting(id); err != nil {
		t.Fatalf("EndMeeting(%q): %v", id, err)
	}
}

// assertExactlyOnce checks that every emitted event reached the collector
// once, with its JSON intact.
func assertExactlyOnce(t *testing.T, env *e2eEnv, raw bool) {
	t.Helper()
	want := env.emitted.all()
	if len(want) == 0 {
		t.Fatalf("the fake emitted no events")
	}
	testwait.Eventually(t, func() bool { return len(env.col.got()) >= len(want) }, 10*time.Second, 2*time.Millisecond, "all events")
	time.Sleep(30 * time.Millisecond) // let stray retries arrive, if any
	got := env.col.got()
	if len(got) != len(want) {
		t.Fatalf("received %d events; want %d, each event exactly once", len(got), len(want))
	}
	seen := map[string]int{}
	for _, e := range got {
		seen[string(e.JSON)]++
	}
	for _, w := range want {
		body := w.JSON
		if raw {
			body = w.Raw
		}
		if n := seen[string(body)]; n != 1 {
			t.Errorf("event %s received %d times; want 1", w.ID, n)
		}
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
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if res.Duplicate {
				t.Fatalf("Create: Duplicate = true; want false")
			}
			env.meeting(t, "e2e-"+m.name)
			assertExactlyOnce(t, env, false)

			types := map[webhooks.EventType]int{}
			for _, e := range env.col.got() {
				types[e.Type]++
				if e.Raw {
					t.Errorf("%s: Raw = true; want false", e.Type)
				}
				if want := "e2e-" + m.name; e.MeetingID != want {
					t.Errorf("%s: MeetingID = %q; want %q", e.Type, e.MeetingID, want)
				}
				if e.InternalMeetingID == "" {
					t.Errorf("%s: empty InternalMeetingID", e.Type)
				}
				if e.DecodeErr != nil {
					t.Errorf("%s: DecodeErr = %v; want nil", e.Type, e.DecodeErr)
				}
				if e.Type == webhooks.EventUserJoined {
					if name := e.Attributes.User.Name; !slices.Contains([]string{"Ann", `Bo & "Co" *~`}, name) {
						t.Errorf("user-joined: User.Name = %q; want Ann or Bo", name)
					}
				}
			}
			for typ, want := range map[webhooks.EventType]int{webhooks.EventMeetingCreated: 1, webhooks.EventUserJoined: 2, webhooks.EventMeetingEnded: 1} {
				if types[typ] != want {
					t.Errorf("received %d %s events; want %d", types[typ], typ, want)
				}
			}
			st := env.handler.Stats()
			if len(st.Rejected) != 0 {
				t.Errorf("Stats().Rejected = %v; want none", st.Rejected)
			}
			for _, d := range env.fake.Deliveries() {
				if d.StatusCode != http.StatusOK {
					t.Errorf("delivery of %s: status = %d; want %d", d.EventID, d.StatusCode, http.StatusOK)
				}
			}
		})
	}
}

func TestEndToEndRawHook(t *testing.T) {
	t.Parallel()
	env := newE2E(t, nil, nil)
	_, err := env.hooks.Create(context.Background(), webhooks.CreateParams{CallbackURL: env.callback, Raw: true})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	env.meeting(t, "raw-1")
	assertExactlyOnce(t, env, true)
	for _, e := range env.col.got() {
		if !e.Raw {
			t.Errorf("%s: Raw = false; want true", e.Type)
		}
		if e.Message.Name == "" {
			t.Errorf("%s: empty Message.Name", e.Type)
		}
		if e.InternalMeetingID == "" {
			t.Errorf("%s: empty InternalMeetingID", e.Type)
		}
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
				return errDeliveryFailed
			}
		}
		return nil
	}
	_, err := env.hooks.Create(context.Background(), webhooks.CreateParams{CallbackURL: env.callback})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	env.meeting(t, "retry-1")
	assertExactlyOnce(t, env, false)
	var fails int
	for _, d := range env.fake.Deliveries() {
		if d.StatusCode == http.StatusInternalServerError {
			fails++
			if d.EventID != "user-joined" {
				t.Errorf("failed delivery of %q; want only user-joined to fail", d.EventID)
			}
		}
	}
	if fails != 2 {
		t.Errorf("%d deliveries failed with 500; want 2", fails)
	}
	if got := env.handler.Stats().Rejected[webhooks.ReasonCallback]; got != 2 {
		t.Errorf("Rejected[%q] = %d; want 2", webhooks.ReasonCallback, got)
	}
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
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	env.meeting(t, "slow-1")
	assertExactlyOnce(t, env, false)
	testwait.Eventually(t, func() bool { return env.handler.Stats().Duplicates >= 1 }, 10*time.Second, 2*time.Millisecond, "a duplicate")
	var timeouts int
	for _, d := range env.fake.Deliveries() {
		if d.EventID == "meeting-created" && d.StatusCode == 0 {
			timeouts++
		}
	}
	if timeouts < 1 {
		t.Errorf("meeting-created timed out %d times; want the sender to time out at least once", timeouts)
	}
}

func TestEndToEndWrongSecretIsRefused(t *testing.T) {
	t.Parallel()
	env := newE2E(t, nil, func(string) string { return "not-the-fake-secret" })
	_, err := env.hooks.Create(context.Background(), webhooks.CreateParams{CallbackURL: env.callback})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	env.meeting(t, "forged-1")
	n := len(env.emitted.all())
	testwait.Eventually(t, func() bool { return env.handler.Stats().Rejected[webhooks.ReasonUnauthenticated] >= uint64(n) }, 10*time.Second, 2*time.Millisecond, "refusals")
	if got := env.col.got(); len(got) != 0 {
		t.Errorf("%d events reached the DeliveryFunc; want none", len(got))
	}
	for _, d := range env.fake.Deliveries() {
		if d.StatusCode != http.StatusUnauthorized {
			t.Errorf("delivery of %s: status = %d; want %d", d.EventID, d.StatusCode, http.StatusUnauthorized)
		}
		if !d.Delivered {
			t.Errorf("delivery of %s: Delivered = false; want true (bbb-webhooks counts 401 as delivered and does not retry)", d.EventID)
		}
		if d.Attempt != 0 {
			t.Errorf("delivery of %s: Attempt = %d; want 0", d.EventID, d.Attempt)
		}
	}
}

func TestEndToEndEnsureRestoresRemovedHook(t *testing.T) {
	t.Parallel()
	env := newE2E(t, nil, nil, webhooks.WithDedup(time.Minute, 0))
	var down atomic.Bool
	down.Store(true)
	env.col.fail = func(webhooks.Event) error {
		if down.Load() {
			return errDeliveryFailed
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
	testwait.Eventually(t, func() bool { return len(env.fake.Hooks()) == 1 }, 10*time.Second, 2*time.Millisecond, "the hook")
	first := env.fake.Hooks()[0].HookID

	// The receiver fails every attempt: the fake gives up and removes the hook.
	_, err := env.bbb.CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "lost", MeetingID: "lost-1"})
	if err != nil {
		t.Fatalf("CreateMeeting(lost-1): %v", err)
	}
	testwait.Eventually(t, func() bool {
		for _, d := range env.fake.Deliveries() {
			if d.HookRemoved {
				return true
			}
		}
		return false
	}, 10*time.Second, 2*time.Millisecond, "hook removal")
	// Ensure registers it again.
	testwait.Eventually(t, func() bool {
		h := env.fake.Hooks()
		return len(h) == 1 && h[0].HookID != first
	}, 10*time.Second, 2*time.Millisecond, "a new hook")
	down.Store(false)
	_, err = env.bbb.CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "back", MeetingID: "back-1"})
	if err != nil {
		t.Fatalf("CreateMeeting(back-1): %v", err)
	}
	testwait.Eventually(t, func() bool {
		for _, e := range env.col.got() {
			if e.MeetingID == "back-1" {
				return true
			}
		}
		return false
	}, 10*time.Second, 2*time.Millisecond, "the event after re-registration")
	cancel()
	if err := <-ensured; !errors.Is(err, context.Canceled) {
		t.Errorf("Ensure = %v; want %v", err, context.Canceled)
	}
	created := 0
	for len(checks) > 0 {
		if e := <-checks; e.Result != nil && e.Result.Created {
			created++
		}
	}
	if created < 2 {
		t.Errorf("Ensure created the hook %d times; want at least 2", created)
	}
}
