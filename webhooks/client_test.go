package webhooks_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	require.NoError(t, err)
	c, err := webhooks.NewClient(bc)
	require.NoError(t, err)
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
			require.NoError(t, err)
			assert.False(t, res.Duplicate)
			assert.NotEmpty(t, res.Hook.ID)
			assert.Equal(t, cb, res.Hook.CallbackURL)
			assert.Equal(t, []webhooks.EventType{"user-joined", "user-left"}, res.Hook.EventIDs)
			assert.Equal(t, []checksum.Algorithm{alg}, api.algs, "signed with the configured algorithm")
			h := api.snapshot()[0]
			assert.Equal(t, cb, h.callback, "the callback URL arrives intact")
			assert.Equal(t, "physics 101", h.meeting)
			assert.Equal(t, []string{"user-joined", "user-left"}, h.events)
			assert.False(t, h.raw)

			hooks, err := c.List(ctx, "")
			require.NoError(t, err)
			require.Len(t, hooks, 1)
			assert.Equal(t, res.Hook, hooks[0])

			// A second create for the same URL returns the existing hook.
			dup, err := c.Create(ctx, webhooks.CreateParams{CallbackURL: cb, Raw: true})
			require.NoError(t, err)
			assert.True(t, dup.Duplicate)
			assert.Equal(t, res.Hook, dup.Hook, "the existing hook, not the requested one")

			require.NoError(t, c.Destroy(ctx, res.Hook.ID))
			hooks, err = c.List(ctx, "")
			require.NoError(t, err)
			assert.Empty(t, hooks)
			err = c.Destroy(ctx, res.Hook.ID)
			assert.ErrorIs(t, err, bbb.ErrNotFound)
			var be *bbb.Error
			require.ErrorAs(t, err, &be)
			assert.Equal(t, "destroyMissingHook", be.Key)
		})
	}
}

func TestClientQueryParameters(t *testing.T) {
	t.Parallel()
	api, srv := newHooksAPI(t)
	c := newClient(t, srv)
	ctx := context.Background()
	_, err := c.Create(ctx, webhooks.CreateParams{CallbackURL: "https://a.example.org/raw", Raw: true})
	require.NoError(t, err)
	_, err = c.Create(ctx, webhooks.CreateParams{CallbackURL: "https://a.example.org/all"})
	require.NoError(t, err)
	_, err = c.List(ctx, "room-1")
	require.NoError(t, err)
	api.mu.Lock()
	defer api.mu.Unlock()
	assert.Equal(t, []string{"hooks/create", "hooks/create", "hooks/list"}, api.calls)
	assert.Equal(t, url.Values{"callbackURL": {"https://a.example.org/raw"}, "getRaw": {"true"}}, api.queries[0])
	assert.Equal(t, url.Values{"callbackURL": {"https://a.example.org/all"}}, api.queries[1], "no empty meetingID, eventID or getRaw")
	assert.Equal(t, url.Values{"meetingID": {"room-1"}}, api.queries[2])
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
	require.NoError(t, err)
	assert.Equal(t, []webhooks.Hook{
		{ID: "1", CallbackURL: "https://perm.example.org/x", Permanent: true, Raw: true},
		{ID: "2", CallbackURL: "https://a.example.org/m?x=1&y=2", MeetingID: "room-9",
			EventIDs: []webhooks.EventType{webhooks.EventMeetingCreated, webhooks.EventMeetingEnded}},
	}, hooks)
	// Permanent hooks cannot be destroyed.
	assert.ErrorIs(t, c.Destroy(context.Background(), "1"), bbb.ErrNotFound)
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
		assert.ErrorAs(t, err, &pe, name)
	}
	var pe *bbb.ParamError
	assert.ErrorAs(t, c.Destroy(ctx, " "), &pe)
	assert.Empty(t, api.snapshot(), "invalid parameters never reach the server")

	_, err := webhooks.NewClient(nil)
	assert.Error(t, err)

	api.setSecret("another-secret")
	_, err = c.Create(ctx, webhooks.CreateParams{CallbackURL: "https://a.example.org/x"})
	assert.ErrorIs(t, err, bbb.ErrChecksum)
	assert.NotContains(t, err.Error(), testSecret)
	api.setSecret(testSecret)

	api.down.Store(true)
	_, err = c.List(ctx, "")
	var he *bbb.HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, http.StatusBadGateway, he.StatusCode)
	assert.NotRegexp(t, `[0-9a-f]{40}`, err.Error(), "no checksum in errors")
}

func TestEnsureOnce(t *testing.T) {
	t.Parallel()
	api, srv := newHooksAPI(t)
	c := newClient(t, srv)
	ctx := context.Background()
	p := webhooks.CreateParams{CallbackURL: "https://portal.example.org/hook", EventIDs: []webhooks.EventType{webhooks.EventMeetingEnded}}

	res, err := c.EnsureOnce(ctx, p)
	require.NoError(t, err)
	assert.True(t, res.Created)
	first := res.Hook.ID

	res, err = c.EnsureOnce(ctx, p)
	require.NoError(t, err)
	assert.False(t, res.Created || res.Replaced)
	assert.Equal(t, first, res.Hook.ID)

	// Different settings for the same URL: the hook is replaced.
	p.EventIDs = append(p.EventIDs, webhooks.EventMeetingCreated)
	res, err = c.EnsureOnce(ctx, p)
	require.NoError(t, err)
	assert.True(t, res.Replaced)
	assert.NotEqual(t, first, res.Hook.ID)
	hooks := api.snapshot()
	require.Len(t, hooks, 1)
	assert.ElementsMatch(t, []string{"meeting-ended", "meeting-created"}, hooks[0].events)

	// A permanent hook is left alone.
	api.mu.Lock()
	api.hooks = []apiHook{{id: "p", callback: "https://perm.example.org/", permanent: true}}
	api.mu.Unlock()
	res, err = c.EnsureOnce(ctx, webhooks.CreateParams{CallbackURL: "https://perm.example.org/", Raw: true})
	require.NoError(t, err)
	assert.Equal(t, "p", res.Hook.ID)
	assert.False(t, res.Created || res.Replaced)
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
	require.NoError(t, e.Err)
	assert.True(t, e.Result.Created)
	assert.Equal(t, 5*time.Millisecond, e.Next)

	// bbb-webhooks gives up on the hook and deletes it: Ensure brings it back.
	api.dropAll()
	for e = next(); !e.Result.Created; e = next() {
		require.NoError(t, e.Err)
	}
	assert.Len(t, api.snapshot(), 1)

	// The server is unreachable for a while: failures are counted and backed off.
	api.down.Store(true)
	var failures []webhooks.EnsureEvent
	for len(failures) < 4 {
		if e = next(); e.Err != nil {
			failures = append(failures, e)
		}
	}
	for i, f := range failures {
		assert.Equal(t, i+1, f.Failures)
		assert.LessOrEqual(t, f.Next, 4*time.Millisecond)
		assert.GreaterOrEqual(t, f.Next, time.Millisecond/2)
		var he *bbb.HTTPError
		assert.ErrorAs(t, f.Err, &he)
	}
	api.down.Store(false)
	for e = next(); e.Err != nil; e = next() {
	}
	assert.Zero(t, e.Failures)

	cancel()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
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
	assert.True(t, errors.Is(err, context.Canceled))
	err = c.Ensure(context.Background(), webhooks.CreateParams{CallbackURL: "nope"})
	var pe *bbb.ParamError
	assert.ErrorAs(t, err, &pe, "invalid parameters are returned at once")
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
	assert.ErrorIs(t, <-done, context.Canceled)
	api.mu.Lock()
	defer api.mu.Unlock()
	assert.Equal(t, 1, strings.Count(strings.Join(api.calls, " "), "hooks/create"))
	assert.Zero(t, strings.Count(strings.Join(api.calls, " "), "hooks/destroy"))
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
		require.Error(t, err, name)
		assert.NotErrorIs(t, err, context.DeadlineExceeded, name)
	}
	assert.Empty(t, a.snapshot(), "no check ran")
}
