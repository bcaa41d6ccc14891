package bbbtest

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"hash"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/internal/testwait"
)

// receiver is a callback endpoint that records what it receives and
// answers with a scripted status.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []delivery
	status func(n int) int
}

type delivery struct {
	path, rawQuery, contentType, auth string
	body                              []byte
}

func newReceiver(t *testing.T, status func(n int) int) *receiver {
	t.Helper()
	r := &receiver{status: status}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		n := len(r.got)
		r.got = append(r.got, delivery{req.URL.Path, req.URL.RawQuery, req.Header.Get("Content-Type"), req.Header.Get("Authorization"), b})
		r.mu.Unlock()
		code := http.StatusOK
		if r.status != nil {
			code = r.status(n)
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testwait.Eventually(t, cond, 5*time.Second, 2*time.Millisecond, what)
}

// independentSum computes hex(H(callbackURL + body + secret)) without the
// checksum package.
func independentSum(h hash.Hash, callbackURL string, body []byte, secret string) string {
	h.Write([]byte(callbackURL))
	h.Write(body)
	h.Write([]byte(secret))
	return hex.EncodeToString(h.Sum(nil))
}

type mappedEvent struct {
	Data struct {
		Type       string         `json:"type"`
		ID         string         `json:"id"`
		Attributes map[string]any `json:"attributes"`
		Event      struct {
			TS int64 `json:"ts"`
		} `json:"event"`
	} `json:"data"`
}

// decodeDelivery checks the form body shape and returns its event.
func decodeDelivery(t *testing.T, d delivery) (mappedEvent, url.Values) {
	t.Helper()
	if d.contentType != "application/x-www-form-urlencoded" {
		t.Fatalf("content type %q", d.contentType)
	}
	body := string(d.body)
	if !strings.HasPrefix(body, "domain=") || !strings.Contains(body, "&event=") || !strings.Contains(body, "&timestamp=") {
		t.Fatalf("body fields not in bbb-webhooks order: %s", body)
	}
	form, err := url.ParseQuery(body)
	if err != nil {
		t.Fatal(err)
	}
	var evs []mappedEvent
	if err := json.Unmarshal([]byte(form.Get("event")), &evs); err != nil || len(evs) != 1 {
		t.Fatalf("event field %q: %v", form.Get("event"), err)
	}
	return evs[0], form
}

func hookCreate(t *testing.T, s *Server, params ...string) string {
	t.Helper()
	a := get(t, s, "hooks/create", q(params...))
	var r struct {
		resp
		HookID string `xml:"hookID"`
	}
	if err := xml.Unmarshal(a.body, &r); err != nil || r.ReturnCode != "SUCCESS" {
		t.Fatalf("hooks/create: %v %s", err, a.body)
	}
	return r.HookID
}

func TestWebhookDeliveryChecksum(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		alg checksum.Algorithm
		h   func() hash.Hash
	}{
		{checksum.SHA1, sha1.New}, {checksum.SHA256, sha256.New}, {checksum.SHA384, sha512.New384}, {checksum.SHA512, sha512.New},
	} {
		t.Run(tc.alg.String(), func(t *testing.T) {
			t.Parallel()
			rcv := newReceiver(t, nil)
			s := newTestServer(t, WithWebhookChecksum(tc.alg), WithWebhookDomain("bbb.example.com"))
			cb := rcv.URL + "/hook?tenant=a b"
			hookCreate(t, s, "callbackURL", cb)
			expectKey(t, get(t, s, "create", q("name", "Hooked * ~ Room", "meetingID", "hooked", "meta_x", "<&>")), "SUCCESS", "")
			waitFor(t, "meeting-created", func() bool { return len(rcv.deliveries()) == 1 })
			d := rcv.deliveries()[0]
			if d.path != "/hook" {
				t.Errorf("path %q", d.path)
			}
			prefix, sum, ok := strings.Cut(d.rawQuery, "&checksum=")
			if !ok || prefix != "tenant=a%20b" {
				t.Fatalf("query %q: checksum not appended with &", d.rawQuery)
			}
			if want := independentSum(tc.h(), cb, d.body, s.Secret); sum != want {
				t.Errorf("checksum %s, want %s", sum, want)
			}
			ev, form := decodeDelivery(t, d)
			if form.Get("domain") != "bbb.example.com" || ev.Data.ID != "meeting-created" || ev.Data.Type != "event" {
				t.Errorf("delivery %v %+v", form, ev)
			}
			m := ev.Data.Attributes["meeting"].(map[string]any)
			if m["external-meeting-id"] != "hooked" || m["name"] != "Hooked * ~ Room" || m["record"] != false ||
				m["metadata"].(map[string]any)["x"] != "<&>" {
				t.Errorf("meeting attributes %v", m)
			}
			// The body is encoded like URLSearchParams: '*' kept, '~' escaped.
			if !strings.Contains(string(d.body), "Hooked+*+%7E+Room") {
				t.Errorf("body not WHATWG-encoded: %s", d.body)
			}
		})
	}
}

func TestWebhookEventsAndFilters(t *testing.T) {
	t.Parallel()
	all := newReceiver(t, nil)
	one := newReceiver(t, nil)
	filtered := newReceiver(t, nil)
	raw := newReceiver(t, nil)
	s := newTestServer(t)
	hookCreate(t, s, "callbackURL", all.URL)
	hookCreate(t, s, "callbackURL", one.URL, "meetingID", "ev-1")
	hookCreate(t, s, "callbackURL", filtered.URL, "eventID", "User-Joined,meeting-ended")
	hookCreate(t, s, "callbackURL", raw.URL, "getRaw", "true")

	expectKey(t, get(t, s, "create", q("name", "Events", "meetingID", "ev-1", "record", "true")), "SUCCESS", "")
	expectKey(t, get(t, s, "create", q("name", "Other", "meetingID", "ev-2")), "SUCCESS", "")
	ju, err := s.Join("ev-1", User{FullName: "Ann", Role: "MODERATOR", UserID: "ann", CustomData: map[string]string{"bbb_x": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	expectKey(t, get(t, s, "sendChatMessage", q("meetingID", "ev-1", "message", "hi")), "SUCCESS", "")
	if err := s.Leave("ev-1", ju.UserID); err != nil {
		t.Fatal(err)
	}
	expectKey(t, get(t, s, "end", q("meetingID", "ev-1")), "SUCCESS", "sentEndMeetingRequest")

	wantAll := []string{"meeting-created", "meeting-created", "user-joined", "chat-group-message-sent", "user-left", "meeting-ended",
		"rap-archive-started", "rap-archive-ended", "rap-sanity-started", "rap-sanity-ended", "rap-process-started",
		"rap-process-ended", "rap-publish-started", "rap-publish-ended", "rap-post-publish-started", "rap-post-publish-ended"}
	waitFor(t, "all events", func() bool { return len(all.deliveries()) == len(wantAll) })
	waitFor(t, "raw events", func() bool { return len(raw.deliveries()) == len(wantAll) })
	waitFor(t, "meeting events", func() bool { return len(one.deliveries()) == len(wantAll)-1 })
	waitFor(t, "filtered events", func() bool { return len(filtered.deliveries()) == 2 })

	ids := func(r *receiver) []string {
		var out []string
		byID := map[string]mappedEvent{}
		for _, d := range r.deliveries() {
			ev, _ := decodeDelivery(t, d)
			out = append(out, ev.Data.ID)
			byID[ev.Data.ID] = ev
		}
		slices.Sort(out)
		return out
	}
	sorted := slices.Clone(wantAll)
	slices.Sort(sorted)
	if got := ids(all); !slices.Equal(got, sorted) {
		t.Errorf("global hook got %v\nwant %v", got, sorted)
	}
	if got := ids(filtered); !slices.Equal(got, []string{"meeting-ended", "user-joined"}) {
		t.Errorf("filtered hook got %v", got)
	}
	for _, d := range one.deliveries() {
		ev, _ := decodeDelivery(t, d)
		if ev.Data.Attributes["meeting"].(map[string]any)["external-meeting-id"] != "ev-1" {
			t.Errorf("meeting hook got an event of another meeting: %s", d.body)
		}
	}
	for _, d := range all.deliveries() {
		ev, _ := decodeDelivery(t, d)
		attrs := ev.Data.Attributes
		switch ev.Data.ID {
		case "user-joined":
			u := attrs["user"].(map[string]any)
			if u["external-user-id"] != "ann" || u["role"] != "MODERATOR" || u["name"] != "Ann" || !strings.HasPrefix(u["internal-user-id"].(string), "w_") ||
				u["userdata"].(map[string]any)["bbb_x"] != "1" {
				t.Errorf("user-joined %v", u)
			}
		case "user-left":
			if u := attrs["user"].(map[string]any); u["external-user-id"] != "ann" || len(u) != 2 {
				t.Errorf("user-left %v", u)
			}
		case "chat-group-message-sent":
			if attrs["chat-id"] != "MAIN-PUBLIC-GROUP-CHAT" || attrs["chat-message"].(map[string]any)["message"] != "hi" {
				t.Errorf("chat %v", attrs)
			}
		case "rap-archive-ended":
			if attrs["recorded"] != true || attrs["success"] != true {
				t.Errorf("rap-archive-ended %v", attrs)
			}
		case "rap-publish-ended":
			rec, ok := attrs["recording"].(map[string]any)
			if !ok || rec["name"] != "Events" || rec["playback"].(map[string]any)["format"] != "presentation" || attrs["record-id"] == "" {
				t.Errorf("rap-publish-ended %v", attrs)
			}
		}
		if ev.Data.Event.TS == 0 {
			t.Errorf("%s without ts", ev.Data.ID)
		}
	}
	// Raw hooks get the Redis message shapes.
	var names []string
	for _, d := range raw.deliveries() {
		form, _ := url.ParseQuery(string(d.body))
		var evs []map[string]any
		if err := json.Unmarshal([]byte(form.Get("event")), &evs); err != nil || len(evs) != 1 {
			t.Fatalf("raw event %s: %v", form.Get("event"), err)
		}
		if env, ok := evs[0]["envelope"].(map[string]any); ok {
			names = append(names, env["name"].(string))
		} else {
			names = append(names, evs[0]["header"].(map[string]any)["name"].(string))
		}
	}
	for _, n := range []string{"MeetingCreatedEvtMsg", "UserJoinedMeetingEvtMsg", "UserLeftMeetingEvtMsg", "MeetingDestroyedEvtMsg", "GroupChatMessageBroadcastEvtMsg", "archive_started", "publish_ended"} {
		if !slices.Contains(names, n) {
			t.Errorf("raw events lack %s: %v", n, names)
		}
	}
	if d := s.Deliveries(); len(d) < len(wantAll) || !d[0].Delivered {
		t.Errorf("delivery log %+v", d)
	}
}

func TestWebhookRetriesAndRemoval(t *testing.T) {
	t.Parallel()
	retry := []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond}
	tests := []struct {
		name      string
		status    func(n int) int
		attempts  int
		delivered bool
		removed   bool
	}{
		{"first attempt", func(int) int { return 204 }, 1, true, false},
		{"after two failures", func(n int) int { return map[bool]int{true: 500, false: 200}[n < 2] }, 3, true, false},
		{"401 counts as delivered", func(int) int { return 401 }, 1, true, false},
		{"redirect is not success", func(int) int { return 404 }, 4, false, true},
		{"always failing", func(int) int { return 503 }, 4, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rcv := newReceiver(t, tc.status)
			s := newTestServer(t, WithWebhookRetry(retry...))
			hookCreate(t, s, "callbackURL", rcv.URL+"/cb")
			expectKey(t, get(t, s, "create", q("name", "Retry", "meetingID", "retry")), "SUCCESS", "")
			waitFor(t, "the last attempt", func() bool {
				d := s.Deliveries()
				return len(d) == tc.attempts && (d[len(d)-1].Delivered || d[len(d)-1].HookRemoved == tc.removed)
			})
			time.Sleep(20 * time.Millisecond) // no further attempts arrive
			got := rcv.deliveries()
			if len(got) != tc.attempts {
				t.Fatalf("%d attempts, want %d", len(got), tc.attempts)
			}
			// Every retry sends the same bytes, timestamp included.
			for _, d := range got[1:] {
				if string(d.body) != string(got[0].body) || d.rawQuery != got[0].rawQuery {
					t.Errorf("retry changed the request")
				}
			}
			last := s.Deliveries()[tc.attempts-1]
			if last.Delivered != tc.delivered || last.HookRemoved != tc.removed {
				t.Errorf("last delivery %+v", last)
			}
			if hooks := s.Hooks(); (len(hooks) == 0) != tc.removed {
				t.Errorf("hooks after delivery: %+v", hooks)
			}
		})
	}
}

func TestWebhookPermanentAndBearer(t *testing.T) {
	t.Parallel()
	failing := newReceiver(t, func(int) int { return 500 })
	bearer := newReceiver(t, nil)
	s := newTestServer(t, WithPermanentHook(failing.URL, false), WithWebhookRetry(time.Millisecond), WithWebhookBearer())
	hookCreate(t, s, "callbackURL", bearer.URL)
	hooks := s.Hooks()
	if len(hooks) != 2 || !hooks[0].Permanent {
		t.Fatalf("hooks %+v", hooks)
	}
	expectKey(t, get(t, s, "hooks/destroy", q("hookID", hooks[0].HookID)), "FAILED", "destroyMissingHook")
	expectKey(t, get(t, s, "create", q("name", "Bearer", "meetingID", "bearer")), "SUCCESS", "")
	waitFor(t, "bearer delivery", func() bool { return len(bearer.deliveries()) == 1 })
	d := bearer.deliveries()[0]
	if d.auth != "Bearer "+s.Secret || d.rawQuery != "" {
		t.Errorf("bearer mode: auth %v query %q", d.auth != "", d.rawQuery)
	}
	waitFor(t, "permanent retries", func() bool { return len(failing.deliveries()) >= 2 })
	if h := s.Hooks(); len(h) != 2 {
		t.Errorf("permanent hook removed: %+v", h)
	}
}

func TestHooksAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, WithSeed(1))
	expectKey(t, get(t, s, "hooks/create", ""), "FAILED", "missingParamCallbackURL")
	expectKey(t, get(t, s, "hooks/create", q("callbackURL", "http://127.0.0.1:9/x", "getRaw", "maybe")), "FAILED", "createHookError")
	id := hookCreate(t, s, "callbackURL", "http://127.0.0.1:9/a]]>b", "meetingID", "m1", "eventID", "user-joined,user-left")
	if len(id) != 36 || id[14] != '4' {
		t.Errorf("hook ID %q is not a v4 UUID", id)
	}
	a := get(t, s, "hooks/create", q("callbackURL", "http://127.0.0.1:9/a]]>b", "meetingID", "other"))
	expectKey(t, a, "SUCCESS", "duplicateWarning")
	if xmlField(t, a.body, "hookID") != id {
		t.Error("duplicate did not return the existing hook")
	}
	hookCreate(t, s, "callbackURL", "http://127.0.0.1:9/global")
	hookCreate(t, s, "callbackURL", "http://127.0.0.1:9/m2", "meetingID", "m2")

	type listXML struct {
		resp
		Hooks []struct {
			HookID      string `xml:"hookID"`
			CallbackURL string `xml:"callbackURL"`
			MeetingID   string `xml:"meetingID"`
			EventID     string `xml:"eventID"`
			Permanent   string `xml:"permanentHook"`
			Raw         string `xml:"rawData"`
		} `xml:"hooks>hook"`
	}
	list := func(query string) listXML {
		a := get(t, s, "hooks/list", query)
		if strings.Contains(string(a.body), "\n") {
			t.Errorf("hooks answers carry no white space between tags: %q", a.body)
		}
		var l listXML
		if err := xml.Unmarshal(a.body, &l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	l := list("")
	if len(l.Hooks) != 3 || l.Hooks[0].CallbackURL != "http://127.0.0.1:9/a]]>b" || l.Hooks[0].MeetingID != "m1" || l.Hooks[0].EventID != "user-joined,user-left" || l.Hooks[1].MeetingID != "" {
		t.Errorf("list %+v", l.Hooks)
	}
	if l := list(q("meetingID", "m1")); len(l.Hooks) != 2 {
		t.Errorf("list for m1: %+v", l.Hooks)
	}
	expectKey(t, get(t, s, "hooks/destroy", ""), "FAILED", "missingParamHookID")
	expectKey(t, get(t, s, "hooks/destroy", q("hookID", "nope")), "FAILED", "destroyMissingHook")
	a = get(t, s, "hooks/destroy", q("hookID", id))
	expectKey(t, a, "SUCCESS", "")
	if xmlField(t, a.body, "removed") != "true" {
		t.Errorf("destroy: %s", a.body)
	}
	// bbb-webhooks compares checksums case-sensitively; the call name includes hooks/.
	query := q("callbackURL", "http://127.0.0.1:9/z")
	req, _ := http.NewRequest(http.MethodGet, s.APIURL()+"hooks/create?"+query+"&checksum="+strings.ToUpper(checksum.Sum(checksum.SHA1, "hooks/create", query, s.Secret)), nil)
	expectKey(t, do(t, s, req), "FAILED", "checksumError")
	req, _ = http.NewRequest(http.MethodGet, s.APIURL()+"hooks/create?"+query+"&checksum="+checksum.Sum(checksum.SHA1, "create", query, s.Secret), nil)
	expectKey(t, do(t, s, req), "FAILED", "checksumError")
	req, _ = http.NewRequest(http.MethodGet, s.APIURL()+"hooks/ping", nil)
	if a := do(t, s, req); string(a.body) != "bbb-webhooks API up!" {
		t.Errorf("ping: %q", a.body)
	}
}
