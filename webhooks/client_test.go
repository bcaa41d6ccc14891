package webhooks_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/webhooks"
)

// hooksAPI is a minimal stand-in for the bbb-webhooks API, written after
// src/out/webhooks/api/api.js: it checks every checksum itself (with the
// call name including "hooks/", over the raw query minus checksum=), keeps
// hooks in memory and answers the XML bbb-webhooks sends.
type hooksAPI struct {
	t       testing.TB
	secret  string
	intIDs  bool // bbb-webhooks 2.x style IDs
	noRaw   bool // stores every hook with rawData false
	mu      sync.Mutex
	hooks   []apiHook
	next    int
	calls   []string
	queries []url.Values
	down    atomic.Bool
	algs    []checksum.Algorithm
	only    []checksum.Algorithm // accepted algorithms; nil: all four
}

type apiHook struct {
	id, callback, meeting string
	events                []string
	raw, permanent        bool
}

func newHooksAPI(t testing.TB) (*hooksAPI, *httptest.Server) {
	a := &hooksAPI{t: t, secret: testSecret}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return a, srv
}

func (a *hooksAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.down.Load() {
		http.Error(w, "<html>502 Bad Gateway</html>", http.StatusBadGateway)
		return
	}
	call, ok := strings.CutPrefix(r.URL.Path, "/bigbluebutton/api/")
	if !ok || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	if !a.checksumOK(call, r.URL.RawQuery) {
		fmt.Fprint(w, `<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey><message>You did not pass the checksum security check</message></response>`)
		return
	}
	q := r.URL.Query()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, call)
	recorded := url.Values{}
	for k, v := range q {
		if k != "checksum" {
			recorded[k] = v
		}
	}
	a.queries = append(a.queries, recorded)
	switch call {
	case "hooks/create":
		cb := q.Get("callbackURL")
		if cb == "" {
			fmt.Fprint(w, `<response><returncode>FAILED</returncode><messageKey>missingParamCallbackURL</messageKey><message>You must specify a callbackURL in the parameters.</message></response>`)
			return
		}
		for _, h := range a.hooks {
			if h.callback == cb {
				fmt.Fprintf(w, `<response><returncode>SUCCESS</returncode><hookID>%s</hookID><messageKey>duplicateWarning</messageKey><message>There is already a hook for this callback URL.</message></response>`, h.id)
				return
			}
		}
		a.next++
		id := fmt.Sprintf("0b6f4a2e-8f1c-4d7a-9b3e-%012d", a.next)
		if a.intIDs {
			id = fmt.Sprint(a.next)
		}
		h := apiHook{id: id, callback: cb, meeting: q.Get("meetingID"), raw: q.Get("getRaw") == "true" && !a.noRaw}
		if e := q.Get("eventID"); e != "" {
			h.events = strings.Split(strings.ToLower(e), ",")
		}
		a.hooks = append(a.hooks, h)
		fmt.Fprintf(w, `<response><returncode>SUCCESS</returncode><hookID>%s</hookID><permanentHook>false</permanentHook><rawData>%t</rawData></response>`, id, h.raw)
	case "hooks/destroy":
		id := q.Get("hookID")
		if id == "" {
			fmt.Fprint(w, `<response><returncode>FAILED</returncode><messageKey>missingParamHookID</messageKey><message>You must specify a hookID in the parameters.</message></response>`)
			return
		}
		for i, h := range a.hooks {
			if h.id == id && !h.permanent {
				a.hooks = slices.Delete(a.hooks, i, i+1)
				fmt.Fprint(w, `<response><returncode>SUCCESS</returncode><removed>true</removed></response>`)
				return
			}
		}
		fmt.Fprint(w, `<response><returncode>FAILED</returncode><messageKey>destroyMissingHook</messageKey><message>The hook informed was not found.</message></response>`)
	case "hooks/list":
		var b strings.Builder
		b.WriteString(`<response><returncode>SUCCESS</returncode><hooks>`)
		m := q.Get("meetingID")
		for _, h := range a.hooks {
			if m != "" && h.meeting != "" && h.meeting != m {
				continue
			}
			fmt.Fprintf(&b, `<hook><hookID>%s</hookID><callbackURL><![CDATA[%s]]></callbackURL>`, h.id, h.callback)
			if h.meeting != "" {
				fmt.Fprintf(&b, `<meetingID><![CDATA[%s]]></meetingID>`, h.meeting)
			}
			if len(h.events) > 0 {
				fmt.Fprintf(&b, `<eventID>%s</eventID>`, strings.Join(h.events, ","))
			}
			fmt.Fprintf(&b, `<permanentHook>%t</permanentHook><rawData>%t</rawData></hook>`, h.permanent, h.raw)
		}
		b.WriteString(`</hooks></response>`)
		fmt.Fprint(w, b.String())
	default:
		http.NotFound(w, r)
	}
}

// checksumOK verifies like bbb-webhooks' isUrlChecksumValid: the checksum
// parameter is cut out of the raw query by text, the algorithm comes from
// its length.
func (a *hooksAPI) checksumOK(call, rawQuery string) bool {
	var sum string
	var rest []string
	for _, p := range strings.Split(rawQuery, "&") {
		if v, ok := strings.CutPrefix(p, "checksum="); ok {
			sum = v
			continue
		}
		if p != "" {
			rest = append(rest, p)
		}
	}
	alg := map[int]checksum.Algorithm{40: checksum.SHA1, 64: checksum.SHA256, 96: checksum.SHA384, 128: checksum.SHA512}[len(sum)]
	if alg == 0 {
		return false
	}
	a.mu.Lock()
	a.algs = append(a.algs, alg)
	secret := a.secret
	only := a.only
	a.mu.Unlock()
	if only != nil && !slices.Contains(only, alg) {
		return false
	}
	return refSum(alg, call, strings.Join(rest, "&"), secret) == sum
}

func (a *hooksAPI) setSecret(s string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.secret = s
}

func (a *hooksAPI) dropAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.hooks = nil
}

func (a *hooksAPI) snapshot() []apiHook {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.hooks)
}

func newClient(t testing.TB, srv *httptest.Server, opts ...bbb.Option) *webhooks.Client {
	t.Helper()
	bc, err := bbb.New(srv.URL+"/bigbluebutton/", testSecret, append([]bbb.Option{bbb.WithHTTPClient(srv.Client())}, opts...)...)
	if err != nil {
		t.Fatalf("bbb.New: %v", err)
	}
	c, err := webhooks.NewClient(bc)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func TestClientCreateListDestroy(t *testing.T) {
	t.Parallel()
	for _, alg := range checksum.All {
		t.Run(alg.String(), func(t *testing.T) {
			t.Parallel()
			api, srv := newHooksAPI(t)
			c := newClient(t, srv, bbb.WithChecksum(alg))
			ctx := context.Background()
			cb := "https://portal.example.org/bbb/events?tenant=east&x=a b*~"
			res, err := c.Create(ctx, webhooks.CreateParams{CallbackURL: cb, MeetingID: "physics 101",
				EventIDs: []webhooks.EventType{"User-Joined", webhooks.EventUserLeft, "user-left"}})
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if res.Duplicate {
				t.Errorf("Create: Duplicate = true; want false")
			}
			if res.Hook.ID == "" {
				t.Errorf("Create: empty hook ID")
			}
			if res.Hook.CallbackURL != cb {
				t.Errorf("Create: CallbackURL = %q; want %q", res.Hook.CallbackURL, cb)
			}
			if diff := cmp.Diff([]webhooks.EventType{"user-joined", "user-left"}, res.Hook.EventIDs); diff != "" {
				t.Errorf("Create: EventIDs mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]checksum.Algorithm{alg}, api.algs); diff != "" {
				t.Errorf("algorithms seen by the server mismatch, want the configured one (-want +got):\n%s", diff)
			}
			h := api.snapshot()[0]
			if h.callback != cb {
				t.Errorf("server's callback = %q; want %q (the callback URL arrives intact)", h.callback, cb)
			}
			if h.meeting != "physics 101" {
				t.Errorf("server's meeting = %q; want %q", h.meeting, "physics 101")
			}
			if diff := cmp.Diff([]string{"user-joined", "user-left"}, h.events); diff != "" {
				t.Errorf("server's events mismatch (-want +got):\n%s", diff)
			}
			if h.raw {
				t.Errorf("server's raw = true; want false")
			}

			hooks, err := c.List(ctx, "")
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if len(hooks) != 1 {
				t.Fatalf("List returned %d hooks; want 1", len(hooks))
			}
			if diff := cmp.Diff(res.Hook, hooks[0]); diff != "" {
				t.Errorf("List()[0] mismatch (-want +got):\n%s", diff)
			}

			// A second create for the same URL returns the existing hook.
			dup, err := c.Create(ctx, webhooks.CreateParams{CallbackURL: cb, Raw: true})
			if err != nil {
				t.Fatalf("second Create: %v", err)
			}
			if !dup.Duplicate {
				t.Errorf("second Create: Duplicate = false; want true")
			}
			if diff := cmp.Diff(res.Hook, dup.Hook); diff != "" {
				t.Errorf("second Create: want the existing hook, not the requested one (-want +got):\n%s", diff)
			}

			if err := c.Destroy(ctx, res.Hook.ID); err != nil {
				t.Fatalf("Destroy(%q): %v", res.Hook.ID, err)
			}
			hooks, err = c.List(ctx, "")
			if err != nil {
				t.Fatalf("List after Destroy: %v", err)
			}
			if len(hooks) != 0 {
				t.Errorf("List after Destroy = %v; want none", hooks)
			}
			err = c.Destroy(ctx, res.Hook.ID)
			if !errors.Is(err, bbb.ErrNotFound) {
				t.Errorf("second Destroy(%q) = %v; want %v", res.Hook.ID, err, bbb.ErrNotFound)
			}
			var be *bbb.Error
			if !errors.As(err, &be) {
				t.Fatalf("second Destroy(%q) = %v; want a *bbb.Error", res.Hook.ID, err)
			}
			if be.Key != "destroyMissingHook" {
				t.Errorf("error Key = %q; want %q", be.Key, "destroyMissingHook")
			}
		})
	}
}

func TestClientQueryParameters(t *testing.T) {
	t.Parallel()
	api, srv := newHooksAPI(t)
	c := newClient(t, srv)
	ctx := context.Background()
	_, err := c.Create(ctx, webhooks.CreateParams{CallbackURL: "https://a.example.org/raw", Raw: true})
	if err != nil {
		t.Fatalf("Create(raw): %v", err)
	}
	_, err = c.Create(ctx, webhooks.CreateParams{CallbackURL: "https://a.example.org/all"})
	if err != nil {
		t.Fatalf("Create(all): %v", err)
	}
	_, err = c.List(ctx, "room-1")
	if err != nil {
		t.Fatalf("List(room-1): %v", err)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if diff := cmp.Diff([]string{"hooks/create", "hooks/create", "hooks/list"}, api.calls); diff != "" {
		t.Errorf("calls mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(url.Values{"callbackURL": {"https://a.example.org/raw"}, "getRaw": {"true"}}, api.queries[0]); diff != "" {
		t.Errorf("Create(raw) query mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(url.Values{"callbackURL": {"https://a.example.org/all"}}, api.queries[1]); diff != "" {
		t.Errorf("Create(all) query mismatch, want no empty meetingID, eventID or getRaw (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(url.Values{"meetingID": {"room-1"}}, api.queries[2]); diff != "" {
		t.Errorf("List(room-1) query mismatch (-want +got):\n%s", diff)
	}
}

func TestClientListShapes(t *testing.T) {
	t.Parallel()
	api, srv := newHooksAPI(t)
	api.intIDs = true
	api.hooks = []apiHook{
		{id: "1", callback: "https://perm.example.org/x", permanent: true, raw: true},
		{id: "2", callback: "https://a.example.org/m?x=1&y=2", meeting: "room-9", events: []string{"meeting-created", "meeting-ended"}},
	}
	c := newClient(t, srv)
	hooks, err := c.List(context.Background(), "room-9")
	if err != nil {
		t.Fatalf("List(room-9): %v", err)
	}
	if diff := cmp.Diff([]webhooks.Hook{
		{ID: "1", CallbackURL: "https://perm.example.org/x", Permanent: true, Raw: true},
		{ID: "2", CallbackURL: "https://a.example.org/m?x=1&y=2", MeetingID: "room-9",
			EventIDs: []webhooks.EventType{webhooks.EventMeetingCreated, webhooks.EventMeetingEnded}},
	}, hooks); diff != "" {
		t.Errorf("List(room-9) mismatch (-want +got):\n%s", diff)
	}
	// Permanent hooks cannot be destroyed.
	if err := c.Destroy(context.Background(), "1"); !errors.Is(err, bbb.ErrNotFound) {
		t.Errorf("Destroy(permanent) = %v; want %v", err, bbb.ErrNotFound)
	}
}

func TestClientErrors(t *testing.T) {
	t.Parallel()
	api, srv := newHooksAPI(t)
	ctx := context.Background()
	c := newClient(t, srv)
	for name, p := range map[string]webhooks.CreateParams{
		"empty URL":          {},
		"relative URL":       {CallbackURL: "/events"},
		"raw with an events": {CallbackURL: "https://a.example.org/x", Raw: true, EventIDs: []webhooks.EventType{webhooks.EventUserJoined}},
		"comma in event id":  {CallbackURL: "https://a.example.org/x", EventIDs: []webhooks.EventType{"a,b"}},
	} {
		_, err := c.Create(ctx, p)
		var pe *bbb.ParamError
		if !errors.As(err, &pe) {
			t.Errorf("%s: Create = %v; want a *bbb.ParamError", name, err)
		}
	}
	var pe *bbb.ParamError
	if err := c.Destroy(ctx, " "); !errors.As(err, &pe) {
		t.Errorf("Destroy(\" \") = %v; want a *bbb.ParamError", err)
	}
	if got := api.snapshot(); len(got) != 0 {
		t.Errorf("server has hooks %v; want none (invalid parameters never reach the server)", got)
	}

	_, err := webhooks.NewClient(nil)
	if err == nil {
		t.Errorf("NewClient(nil): no error; want one")
	}

	api.setSecret("another-secret")
	_, err = c.Create(ctx, webhooks.CreateParams{CallbackURL: "https://a.example.org/x"})
	if !errors.Is(err, bbb.ErrChecksum) {
		t.Errorf("Create with another secret = %v; want %v", err, bbb.ErrChecksum)
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Errorf("Create error %q contains the secret", err)
	}
	api.setSecret(testSecret)

	api.down.Store(true)
	_, err = c.List(ctx, "")
	var he *bbb.HTTPError
	if !errors.As(err, &he) {
		t.Fatalf("List with the server down = %v; want a *bbb.HTTPError", err)
	}
	if he.StatusCode != http.StatusBadGateway {
		t.Errorf("StatusCode = %d; want %d", he.StatusCode, http.StatusBadGateway)
	}
	if regexp.MustCompile(`[0-9a-f]{40}`).MatchString(err.Error()) {
		t.Errorf("List error %q contains a checksum; want no checksum in errors", err)
	}
}

func TestEnsureOnce(t *testing.T) {
	t.Parallel()
	api, srv := newHooksAPI(t)
	c := newClient(t, srv)
	ctx := context.Background()
	p := webhooks.CreateParams{CallbackURL: "https://portal.example.org/hook", EventIDs: []webhooks.EventType{webhooks.EventMeetingEnded}}

	res, err := c.EnsureOnce(ctx, p)
	if err != nil {
		t.Fatalf("first EnsureOnce: %v", err)
	}
	if !res.Created {
		t.Errorf("first EnsureOnce: Created = false; want true")
	}
	first := res.Hook.ID

	res, err = c.EnsureOnce(ctx, p)
	if err != nil {
		t.Fatalf("second EnsureOnce: %v", err)
	}
	if res.Created || res.Replaced {
		t.Errorf("second EnsureOnce: Created = %t, Replaced = %t; want both false", res.Created, res.Replaced)
	}
	if res.Hook.ID != first {
		t.Errorf("second EnsureOnce: hook ID = %q; want %q", res.Hook.ID, first)
	}

	// Different settings for the same URL: the hook is replaced.
	p.EventIDs = append(p.EventIDs, webhooks.EventMeetingCreated)
	res, err = c.EnsureOnce(ctx, p)
	if err != nil {
		t.Fatalf("EnsureOnce with other settings: %v", err)
	}
	if !res.Replaced {
		t.Errorf("EnsureOnce with other settings: Replaced = false; want true")
	}
	if res.Hook.ID == first {
		t.Errorf("EnsureOnce with other settings: hook ID = %q; want a new one", res.Hook.ID)
	}
	hooks := api.snapshot()
	if len(hooks) != 1 {
		t.Fatalf("server has %d hooks; want 1", len(hooks))
	}
	wantEvents := []string{"meeting-ended", "meeting-created"}
	gotEvents := slices.Clone(hooks[0].events)
	slices.Sort(wantEvents)
	slices.Sort(gotEvents)
	if diff := cmp.Diff(wantEvents, gotEvents); diff != "" {
		t.Errorf("server's events mismatch, in any order (-want +got):\n%s", diff)
	}

	// A permanent hook is left alone.
	api.mu.Lock()
	api.hooks = []apiHook{{id: "p", callback: "https://perm.example.org/", permanent: true}}
	api.mu.Unlock()
	res, err = c.EnsureOnce(ctx, webhooks.CreateParams{CallbackURL: "https://perm.example.org/", Raw: true})
	if err != nil {
		t.Fatalf("EnsureOnce over a permanent hook: %v", err)
	}
	if res.Hook.ID != "p" {
		t.Errorf("EnsureOnce over a permanent hook: hook ID = %q; want %q", res.Hook.ID, "p")
	}
	if res.Created || res.Replaced {
		t.Errorf("EnsureOnce over a permanent hook: Created = %t, Replaced = %t; want both false", res.Created, res.Replaced)
	}
}

func TestEnsureKeepsTheHookRegistered(t *testing.T) {
	t.Parallel()
	api, srv := newHooksAPI(t)
	c := newClient(t, srv)
	p := webhooks.CreateParams{CallbackURL: "https://portal.example.org/hook"}
	events := make(chan webhooks.EnsureEvent, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- c.Ensure(ctx, p, webhooks.WithInterval(5*time.Millisecond), webhooks.WithBackoff(time.Millisecond, 4*time.Millisecond),
			webhooks.WithEnsureObserver(func(e webhooks.EnsureEvent) { events <- e }))
	}()
	next := func() webhooks.EnsureEvent {
		select {
		case e := <-events:
			return e
		case <-time.After(5 * time.Second):
			t.Fatal("no check within 5s")
		}
		return webhooks.EnsureEvent{}
	}
	e := next()
	if e.Err != nil {
		t.Fatalf("first check: %v", e.Err)
	}
	if !e.Result.Created {
		t.Errorf("first check: Created = false; want true")
	}
	if e.Next != 5*time.Millisecond {
		t.Errorf("first check: Next = %v; want %v", e.Next, 5*time.Millisecond)
	}

	// bbb-webhooks gives up on the hook and deletes it: Ensure brings it back.
	api.dropAll()
	for e = next(); !e.Result.Created; e = next() {
		if e.Err != nil {
			t.Fatalf("check after the hook was dropped: %v", e.Err)
		}
	}
	if got := len(api.snapshot()); got != 1 {
		t.Errorf("server has %d hooks; want 1", got)
	}

	// The server is unreachable for a while: failures are counted and backed off.
	api.down.Store(true)
	var failures []webhooks.EnsureEvent
	for len(failures) < 4 {
		if e = next(); e.Err != nil {
			failures = append(failures, e)
		}
	}
	for i, f := range failures {
		if f.Failures != i+1 {
			t.Errorf("failure %d: Failures = %d; want %d", i, f.Failures, i+1)
		}
		if f.Next > 4*time.Millisecond {
			t.Errorf("failure %d: Next = %v; want <= %v", i, f.Next, 4*time.Millisecond)
		}
		if f.Next < time.Millisecond/2 {
			t.Errorf("failure %d: Next = %v; want >= %v", i, f.Next, time.Millisecond/2)
		}
		var he *bbb.HTTPError
		if !errors.As(f.Err, &he) {
			t.Errorf("failure %d: Err = %v; want a *bbb.HTTPError", i, f.Err)
		}
	}
	api.down.Store(false)
	for e = next(); e.Err != nil; e = next() {
	}
	if e.Failures != 0 {
		t.Errorf("check after recovery: Failures = %d; want 0", e.Failures)
	}

	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Ensure = %v; want %v", err, context.Canceled)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Ensure did not stop with its context")
	}
}

func TestEnsureStopsBeforeTheFirstCheck(t *testing.T) {
	t.Parallel()
	_, srv := newHooksAPI(t)
	c := newClient(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := c.Ensure(ctx, webhooks.CreateParams{CallbackURL: "https://portal.example.org/hook"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Ensure with a cancelled context = %v; want %v", err, context.Canceled)
	}
	err = c.Ensure(context.Background(), webhooks.CreateParams{CallbackURL: "nope"})
	var pe *bbb.ParamError
	if !errors.As(err, &pe) {
		t.Errorf("Ensure(CallbackURL: \"nope\") = %v; want a *bbb.ParamError (invalid parameters are returned at once)", err)
	}
}

func TestEnsureDoesNotFightTheServer(t *testing.T) {
	t.Parallel()
	// A server that stores the hook differently from the request (here it
	// drops getRaw): Ensure creates it once and then leaves it alone.
	api, srv := newHooksAPI(t)
	api.noRaw = true
	c := newClient(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	var checks atomic.Int32
	done := make(chan error)
	go func() {
		done <- c.Ensure(ctx, webhooks.CreateParams{CallbackURL: "https://portal.example.org/raw", Raw: true},
			webhooks.WithInterval(time.Millisecond),
			webhooks.WithEnsureObserver(func(e webhooks.EnsureEvent) {
				if checks.Add(1) == 10 {
					cancel()
				}
			}))
	}()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Ensure = %v; want %v", err, context.Canceled)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if got := strings.Count(strings.Join(api.calls, " "), "hooks/create"); got != 1 {
		t.Errorf("hooks/create called %d times; want 1 (calls: %v)", got, api.calls)
	}
	if got := strings.Count(strings.Join(api.calls, " "), "hooks/destroy"); got != 0 {
		t.Errorf("hooks/destroy called %d times; want 0 (calls: %v)", got, api.calls)
	}
}

// Ensure returns a bad option at once instead of ignoring it.
func TestEnsureRefusesBadOptions(t *testing.T) {
	t.Parallel()
	a, srv := newHooksAPI(t)
	c := newClient(t, srv)
	p := webhooks.CreateParams{CallbackURL: testCallback}
	for name, opt := range map[string]webhooks.EnsureOption{
		"zero interval":     webhooks.WithInterval(0),
		"negative interval": webhooks.WithInterval(-time.Second),
		"zero backoff":      webhooks.WithBackoff(0, time.Second),
		"hi below lo":       webhooks.WithBackoff(time.Minute, time.Second),
		"nil observer":      webhooks.WithEnsureObserver(nil),
		"nil option":        nil,
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := c.Ensure(ctx, p, opt)
		cancel()
		if err == nil {
			t.Fatalf("%s: Ensure returned nil; want an error", name)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: Ensure = %v; want an option error, not %v", name, err, context.DeadlineExceeded)
		}
	}
	if got := a.snapshot(); len(got) != 0 {
		t.Errorf("server has hooks %v; want none (no check ran)", got)
	}
}
