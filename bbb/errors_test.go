package bbb_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/internal/syncbuf"
)

func TestFailedAnswersAreTypedErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file     string
		key      string
		sentinel error
	}{
		{"checksum_error.xml", "checksumError", bbb.ErrChecksum},
		{"not_found.xml", "notFound", bbb.ErrNotFound},
		{"id_not_unique.xml", "idNotUnique", bbb.ErrIDNotUnique},
		{"legacy_errors.xml", "missingParamMeetingID", bbb.ErrValidation},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, map[string]route{"getMeetingInfo": {file: tt.file}})
			_, err := f.client(t).GetMeetingInfo(context.Background(), "room-42")
			var ae *bbb.Error
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v (%T), want *bbb.Error", err, err)
			}
			if ae.Key != tt.key || ae.Call != "getMeetingInfo" || ae.Message == "" {
				t.Errorf("error %+v", ae)
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.sentinel)
			}
			if errors.Is(err, bbb.ErrMaxParticipants) {
				t.Errorf("%v matches an unrelated sentinel", err)
			}
		})
	}
	f := newFake(t, map[string]route{"getMeetingInfo": {file: "legacy_errors.xml"}})
	_, err := f.client(t).GetMeetingInfo(context.Background(), "x")
	var ae *bbb.Error
	if errors.As(err, &ae) && (len(ae.Errors) != 2 || ae.Errors[1].Key != "invalidFormat") {
		t.Errorf("legacy errors %+v", ae.Errors)
	}
}

func TestInformationalKeysAreSuccess(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{"create": {file: "create_duplicate.xml"}, "end": {file: "end.xml"}})
	c := f.client(t)
	resp, err := c.CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "n", MeetingID: "room-42"})
	if err != nil || !resp.Duplicate() || !resp.HasUserJoined || resp.Duration != 45 {
		t.Errorf("duplicateWarning: %+v, %v", resp, err)
	}
	if err := c.EndMeeting(context.Background(), "room-42"); err != nil {
		t.Errorf("sentEndMeetingRequest: %v", err)
	}
}

func TestProxyPageIsHTTPError(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{"getMeetings": {file: "proxy_502.html", status: 502}})
	_, err := f.client(t).GetMeetings(context.Background())
	var he *bbb.HTTPError
	if !errors.As(err, &he) || he.StatusCode != 502 || he.Call != "getMeetings" || !strings.Contains(he.Snippet, "Bad Gateway") {
		t.Fatalf("err = %#v", err)
	}
	if !strings.Contains(he.URL, "checksum=REDACTED") {
		t.Errorf("URL not redacted: %s", he.URL)
	}
	// HTML with status 200 is a decode error.
	f2 := newFake(t, map[string]route{"getMeetings": {file: "proxy_502.html"}})
	_, err = f2.client(t).GetMeetings(context.Background())
	var de *bbb.DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("HTML with 200: %v, want *DecodeError", err)
	}
}

// TestErrorsNameBBB pins the prefix of the shared error types: the errors
// this package builds itself say "bbb: ", not the "bbbkit: " of an unnamed
// service.
func TestErrorsNameBBB(t *testing.T) {
	t.Parallel()
	c := newFake(t, nil).client(t)
	if _, err := c.JoinURL(&bbb.JoinParams{}); err == nil || !strings.HasPrefix(err.Error(), "bbb: ") {
		t.Errorf("JoinURL(&JoinParams{}) = _, %v; want an error starting with %q", err, "bbb: ")
	}

	f := newFake(t, map[string]route{
		"getMeetings": {file: "proxy_502.html"},
		"getJoinUrl":  {body: "{}"},
	})
	c = f.client(t)
	_, err := c.GetMeetings(context.Background())
	var de *bbb.DecodeError
	if !errors.As(err, &de) || !strings.HasPrefix(err.Error(), "bbb: ") {
		t.Errorf("GetMeetings (HTML with 200) = _, %v; want a *DecodeError starting with %q", err, "bbb: ")
	}
	_, err = c.GetJoinURL(context.Background(), &bbb.GetJoinURLParams{SessionToken: "t"})
	if !errors.As(err, &de) || !strings.HasPrefix(err.Error(), "bbb: ") {
		t.Errorf("GetJoinURL (JSON without response) = _, %v; want a *DecodeError starting with %q", err, "bbb: ")
	}
}

func TestResponseSizeCap(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{"getRecordings": {file: "get_recordings.xml"}})
	_, err := f.client(t, bbb.WithMaxResponseBytes(100)).GetRecordings(context.Background(), nil)
	if !errors.Is(err, bbb.ErrResponseTooLarge) {
		t.Fatalf("err = %v, want ErrResponseTooLarge", err)
	}
}

func TestTransportErrorNeverLeaksChecksum(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	c, err := bbb.New("http://"+addr+"/bigbluebutton/", testSecret)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetMeetingInfo(context.Background(), "room-42")
	var te *bbb.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want *TransportError", err)
	}
	assertNoSecrets(t, err.Error(), c.SignedURL("getMeetingInfo", map[string][]string{"meetingID": {"room-42"}}))
}

// assertNoSecrets fails when s contains the secret or the checksum of
// signedURL.
func assertNoSecrets(t *testing.T, s, signedURL string) {
	t.Helper()
	if strings.Contains(s, testSecret) {
		t.Errorf("secret leaked: %s", s)
	}
	if _, sum, ok := strings.Cut(signedURL, "checksum="); ok && strings.Contains(s, sum) {
		t.Errorf("checksum leaked: %s", s)
	}
}

func TestNothingLeaksSecrets(t *testing.T) {
	t.Parallel()
	// A hostile server echoes the whole request URL, the secret and tokens
	// into every kind of answer.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		full := "http://" + r.Host + r.URL.String()
		switch r.URL.Query().Get("meetingID") {
		case "html":
			w.WriteHeader(500)
			w.Write([]byte("<html>" + full + " " + testSecret + "</html>"))
		case "failed":
			w.Write([]byte("<response><returncode>FAILED</returncode><messageKey>x</messageKey><message>bad</message></response>"))
		case "hang":
			time.Sleep(200 * time.Millisecond)
		default:
			w.Write([]byte("<response><returncode>" + full + "</returncode></response>"))
		}
	}))
	t.Cleanup(echo.Close)
	var logs syncbuf.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := bbb.New(echo.URL+"/bigbluebutton", testSecret, bbb.WithLogger(logger), bbb.WithTimeout(50*time.Millisecond),
		bbb.WithRetry(bbb.RetryPolicy{MaxAttempts: 2, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"html", "failed", "hang", "decode"} {
		_, err := c.GetMeetingInfo(context.Background(), id)
		if err == nil {
			t.Fatalf("%s: no error", id)
		}
		signed := c.SignedURL("getMeetingInfo", map[string][]string{"meetingID": {id}})
		assertNoSecrets(t, err.Error(), signed)
		assertNoSecrets(t, errorDump(err), signed)
	}
	_, err = c.Join(context.Background(), &bbb.JoinParams{FullName: "a", MeetingID: "html", Role: "VIEWER"})
	if err == nil {
		t.Fatal("join: no error")
	}
	out := logs.String()
	if !strings.Contains(out, "call=getMeetingInfo") {
		t.Fatalf("no debug records logged:\n%s", out)
	}
	if strings.Contains(out, testSecret) || strings.Contains(out, "checksum=") && !strings.Contains(out, "checksum=REDACTED") {
		t.Errorf("log leaks secrets:\n%s", out)
	}
	for _, id := range []string{"html", "failed", "hang", "decode"} {
		signed := c.SignedURL("getMeetingInfo", map[string][]string{"meetingID": {id}})
		assertNoSecrets(t, out, signed)
	}
}

// errorDump prints every field of every error in the chain.
func errorDump(err error) string {
	var b strings.Builder
	for e := err; e != nil; e = errors.Unwrap(e) {
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(sprintAll(e), "\n", " "), "\t", " "))
	}
	return b.String()
}

func TestRetriesOnlyIdempotentCalls(t *testing.T) {
	t.Parallel()
	var hits sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		call := strings.TrimPrefix(r.URL.Path, "/bigbluebutton/api/")
		v, _ := hits.LoadOrStore(call, new(atomic.Int32))
		if v.(*atomic.Int32).Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("<response><returncode>SUCCESS</returncode><running>true</running></response>"))
	}))
	t.Cleanup(srv.Close)
	var observed atomic.Int32
	c, err := bbb.New(srv.URL+"/bigbluebutton", testSecret,
		bbb.WithRetry(bbb.RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}),
		bbb.WithObserver(func(ri bbb.RequestInfo) {
			observed.Add(1)
			if ri.Attempt < 3 && (ri.Outcome() != "http_error" || ri.Status != 503) {
				t.Errorf("attempt %d: outcome %s status %d", ri.Attempt, ri.Outcome(), ri.Status)
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	running, err := c.IsMeetingRunning(context.Background(), "m")
	if err != nil || !running {
		t.Fatalf("isMeetingRunning after two 503s: %v, %v", running, err)
	}
	if err := c.EndMeeting(context.Background(), "m"); err == nil {
		t.Fatal("end was retried (or succeeded on the first 503)")
	}
	count := func(call string) int32 {
		v, _ := hits.Load(call)
		return v.(*atomic.Int32).Load()
	}
	if count("isMeetingRunning") != 3 || count("end") != 1 {
		t.Errorf("attempts: isMeetingRunning %d (want 3), end %d (want 1)", count("isMeetingRunning"), count("end"))
	}
	if observed.Load() != 4 {
		t.Errorf("observer saw %d attempts, want 4", observed.Load())
	}
}

func TestContextCancellationAndRateLimit(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{"isMeetingRunning": {file: "is_meeting_running.xml"}})
	lim := rate.NewLimiter(rate.Every(time.Hour), 1)
	c := f.client(t, bbb.WithRateLimit(lim))
	if _, err := c.IsMeetingRunning(context.Background(), "m"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := c.IsMeetingRunning(ctx, "m")
	var te *bbb.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("rate-limited call past its deadline: %v", err)
	}
	if len(f.requests()) != 1 {
		t.Errorf("rate limiter let %d requests through", len(f.requests()))
	}
}

// The observer sees the outcome of decoding: a FAILED answer sent with
// HTTP 200 counts as failed, an undecodable one as a decode error.
func TestObserverSeesDecodedOutcome(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{
		"getMeetingInfo":   {file: "not_found.xml"},
		"getMeetings":      {file: "proxy_502.html"},
		"isMeetingRunning": {file: "is_meeting_running.xml"},
		"join":             {status: 302, location: "https://x/logout?errors=" + urlQueryEscape(`[{"key":"notFound","message":"no"}]`)},
	})
	var mu sync.Mutex
	got := map[string]string{}
	c := f.client(t, bbb.WithObserver(func(ri bbb.RequestInfo) {
		mu.Lock()
		got[ri.Call] = ri.Outcome()
		mu.Unlock()
	}))
	ctx := context.Background()
	c.GetMeetingInfo(ctx, "m")
	c.GetMeetings(ctx)
	c.IsMeetingRunning(ctx, "m")
	c.Join(ctx, &bbb.JoinParams{FullName: "a", MeetingID: "m", Role: bbb.RoleViewer})
	want := map[string]string{"getMeetingInfo": "failed", "getMeetings": "decode_error", "isMeetingRunning": "success", "join": "failed"}
	mu.Lock()
	defer mu.Unlock()
	for call, w := range want {
		if got[call] != w {
			t.Errorf("%s: observer saw %q, want %q", call, got[call], w)
		}
	}
}

// bbb-web 3.0 sends some FAILED answers without a messageKey; they match
// their sentinels by call and message.
func TestUnkeyedFailuresMatchSentinels(t *testing.T) {
	t.Parallel()
	sessionFailure := func(message string) string {
		return `{"response":{"returncode":"FAILED","message":"` + message + `","sessionToken":"SESSIONTOKEN-1a2b3c"}}`
	}
	tests := []struct {
		call, body string
		want       error
	}{
		{"getJoinUrl", sessionFailure("Invalid Session"), bbb.ErrMissingSession},
		{"getJoinUrl", sessionFailure("Invalid session token"), bbb.ErrMissingSession},
		{"getJoinUrl", sessionFailure("You must provide a session token"), bbb.ErrMissingSession},
		{"getJoinUrl", sessionFailure("Access denied"), bbb.ErrMissingSession},
		{"getJoinUrl", sessionFailure("Meeting not found"), bbb.ErrNotFound},
		{"learningDashboard", sessionFailure("Invalid Session"), bbb.ErrMissingSession},
		{"learningDashboard", sessionFailure("Meeting not found"), bbb.ErrNotFound},
		{"learningDashboard", sessionFailure("Learning Dashboard data not found"), bbb.ErrNotFound},
		{"insertDocument", `<response><returncode>FAILED</returncode><message>Meeting with id [room-42] not found.</message></response>`, bbb.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.call+"/"+tt.body[len(tt.body)-60:], func(t *testing.T) {
			t.Parallel()
			rt := route{body: tt.body}
			if tt.call == "insertDocument" {
				rt.method = http.MethodPost
			}
			c := newFake(t, map[string]route{tt.call: rt}).client(t)
			var err error
			switch tt.call {
			case "getJoinUrl":
				_, err = c.GetJoinURL(context.Background(), &bbb.GetJoinURLParams{SessionToken: "SESSIONTOKEN-1a2b3c"})
			case "learningDashboard":
				_, err = c.LearningDashboard(context.Background(), "SESSIONTOKEN-1a2b3c")
			case "insertDocument":
				err = c.InsertDocument(context.Background(), "room-42", []bbb.Document{{URL: "https://x/y.pdf"}})
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("%s: errors.Is(%v, %v) = false", tt.call, err, tt.want)
			}
			for _, other := range []error{bbb.ErrMissingSession, bbb.ErrNotFound, bbb.ErrChecksum} {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("%v also matches %v", err, other)
				}
			}
			if strings.Contains(err.Error(), "SESSIONTOKEN") {
				t.Errorf("error leaks the session token: %v", err)
			}
		})
	}
	// The same message from another call is not a session failure.
	c := newFake(t, map[string]route{"getMeetingInfo": {body: `<response><returncode>FAILED</returncode><message>Invalid Session</message></response>`}}).client(t)
	if _, err := c.GetMeetingInfo(context.Background(), "m"); err == nil || errors.Is(err, bbb.ErrMissingSession) {
		t.Errorf("getMeetingInfo %v matches ErrMissingSession", err)
	}
}
