package webhooks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/internal/syncbuf"
	"github.com/bbbkit/bbbkit/webhooks"
)

// sink records what the DeliveryFunc received.
type sink struct {
	mu   sync.Mutex
	got  []*webhooks.Delivery
	fail error
}

func (s *sink) fn(_ context.Context, d *webhooks.Delivery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.got = append(s.got, d)
	return nil
}

func (s *sink) deliveries() []*webhooks.Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*webhooks.Delivery(nil), s.got...)
}

func newHandler(t testing.TB, fn webhooks.DeliveryFunc, opts ...webhooks.HandlerOption) *webhooks.Handler {
	t.Helper()
	// The fixtures are stamped testTS: the handler's clock is a second later
	// unless opts set another.
	opts = append([]webhooks.HandlerOption{webhooks.WithClock(testNow)}, opts...)
	h, err := webhooks.NewHandler(testSecret, testCallback, fn, opts...)
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	return h
}

// testNow is a second after the fixtures' timestamp.
func testNow() time.Time { return time.UnixMilli(testTS).Add(time.Second) }

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func userJoined(t testing.TB) string { return readFixture(t, "mapped/user-joined.json") }

func TestHandlerAcceptsValidDeliveries(t *testing.T) {
	t.Parallel()
	for _, alg := range checksum.All {
		for _, cb := range []string{testCallback, "http://10.0.0.5:8080/hook", "https://h.example.org/x?a=1&b=%20c"} {
			t.Run(alg.String()+" "+cb, func(t *testing.T) {
				t.Parallel()
				s := &sink{}
				h, err := webhooks.NewHandler(testSecret, cb, s.fn, webhooks.WithClock(testNow))
				if err != nil {
					t.Fatalf("NewHandler: %v", err)
				}
				body := deliveryBody(userJoined(t), testTS)
				w := serve(h, postDelivery(alg, cb, body, testSecret))
				if w.Code != http.StatusOK {
					t.Fatalf("status = %d; want %d (body %q)", w.Code, http.StatusOK, w.Body.String())
				}
				got := s.deliveries()
				if len(got) != 1 {
					t.Fatalf("got %d deliveries; want 1", len(got))
				}
				d := got[0]
				if d.Domain != testDomain {
					t.Errorf("Domain = %q; want %q", d.Domain, testDomain)
				}
				if want := time.UnixMilli(testTS).UTC(); d.Timestamp != want {
					t.Errorf("Timestamp = %v; want %v", d.Timestamp, want)
				}
				if d.Auth != webhooks.AuthChecksum {
					t.Errorf("Auth = %v; want %v", d.Auth, webhooks.AuthChecksum)
				}
				if len(d.Events) != 1 {
					t.Fatalf("got %d events; want 1", len(d.Events))
				}
				if d.Events[0].Type != webhooks.EventUserJoined {
					t.Errorf("Events[0].Type = %q; want %q", d.Events[0].Type, webhooks.EventUserJoined)
				}
				var wantJSON, gotJSON any
				if err := json.Unmarshal([]byte(userJoined(t)), &wantJSON); err != nil {
					t.Errorf("fixture user-joined.json is not JSON: %v", err)
				} else if err := json.Unmarshal(d.Events[0].JSON, &gotJSON); err != nil {
					t.Errorf("Events[0].JSON is not JSON: %v", err)
				} else if diff := cmp.Diff(wantJSON, gotJSON); diff != "" {
					t.Errorf("Events[0].JSON mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestHandlerUpperCaseChecksum(t *testing.T) {
	t.Parallel()
	s := &sink{}
	h := newHandler(t, s.fn)
	body := deliveryBody(userJoined(t), testTS)
	sum := strings.ToUpper(refSum(checksum.SHA256, testCallback, body, testSecret))
	r := httptest.NewRequest(http.MethodPost, signedURL(testCallback, sum), strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if got := serve(h, r).Code; got != http.StatusOK {
		t.Errorf("status = %d; want %d", got, http.StatusOK)
	}
}

func TestHandlerRefusesForgedDeliveries(t *testing.T) {
	t.Parallel()
	body := deliveryBody(userJoined(t), testTS)
	good := refSum(checksum.SHA1, testCallback, body, testSecret)
	tampered := strings.Replace(body, "MODERATOR", "VIEWER", 1)
	if tampered == body {
		t.Fatalf("replacing MODERATOR left the body unchanged")
	}
	req := func(url, b string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, url, strings.NewReader(b))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	tests := []struct {
		name string
		r    *http.Request
		opts []webhooks.HandlerOption
	}{
		{"wrong secret", postDelivery(checksum.SHA1, testCallback, body, "not-the-secret"), nil},
		{"body changed after signing", req(signedURL(testCallback, good), tampered), nil},
		{"signed for another callback URL", postDelivery(checksum.SHA1, "https://evil.example.org/x", body, testSecret), nil},
		{"signed with the URL the request reached", req(signedURL(testCallback, refSum(checksum.SHA1, "http://example.com"+"/bbb/events?tenant=east", body, testSecret)), body), nil},
		{"no checksum", req(testCallback, body), nil},
		{"empty checksum", req(testCallback+"&checksum=", body), nil},
		{"two checksums", req(signedURL(testCallback, good)+"&checksum="+good, body), nil},
		{"checksum of unknown length", req(signedURL(testCallback, good[:39]), body), nil},
		{"checksum not hex", req(signedURL(testCallback, strings.Repeat("z", 40)), body), nil},
		{"algorithm not allowed", postDelivery(checksum.SHA1, testCallback, body, testSecret), []webhooks.HandlerOption{webhooks.WithAcceptedChecksums(checksum.SHA256, checksum.SHA512)}},
		{"legacy constant checksum without opt-in", req(signedURL(testCallback, refSum(checksum.SHA1, testCallback, "{}", testSecret)), body), nil},
		{"bearer without opt-in", bearerReq(testSecret, body), nil},
		{"wrong bearer", bearerReq("guess", body), []webhooks.HandlerOption{webhooks.WithBearer()}},
		{"basic auth instead of bearer", func() *http.Request {
			r := req(testCallback, body)
			r.SetBasicAuth("bbb", testSecret)
			return r
		}(), []webhooks.HandlerOption{webhooks.WithBearer()}},
		{"bearer secret prefix", bearerReq(testSecret[:10], body), []webhooks.HandlerOption{webhooks.WithBearer()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &sink{}
			var outcomes []webhooks.Outcome
			opts := append([]webhooks.HandlerOption{webhooks.WithObserver(func(o webhooks.Outcome) { outcomes = append(outcomes, o) })}, tt.opts...)
			h := newHandler(t, s.fn, opts...)
			w := serve(h, tt.r)
			if w.Code != http.StatusUnauthorized {
				t.Errorf("status = %d; want %d", w.Code, http.StatusUnauthorized)
			}
			if got := s.deliveries(); len(got) != 0 {
				t.Errorf("a forged delivery reached the DeliveryFunc: %d deliveries", len(got))
			}
			if len(outcomes) != 1 {
				t.Fatalf("got %d outcomes; want 1", len(outcomes))
			}
			if outcomes[0].Reason != webhooks.ReasonUnauthenticated {
				t.Errorf("Reason = %q; want %q", outcomes[0].Reason, webhooks.ReasonUnauthenticated)
			}
			if !errors.Is(outcomes[0].Err, webhooks.ErrUnauthenticated) {
				t.Errorf("Err = %v; want %v", outcomes[0].Err, webhooks.ErrUnauthenticated)
			}
			if got := h.Stats().Rejected[webhooks.ReasonUnauthenticated]; got != 1 {
				t.Errorf("Rejected[%q] = %d; want 1", webhooks.ReasonUnauthenticated, got)
			}
		})
	}
}

func bearerReq(token, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, testCallback, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

func TestHandlerBearerAndLegacyModes(t *testing.T) {
	t.Parallel()
	body := deliveryBody(userJoined(t), testTS)

	s := &sink{}
	h := newHandler(t, s.fn, webhooks.WithBearer())
	if got := serve(h, bearerReq(testSecret, body)).Code; got != http.StatusOK {
		t.Fatalf("bearer: status = %d; want %d", got, http.StatusOK)
	}
	if got := serve(h, postDelivery(checksum.SHA256, testCallback, body, testSecret)).Code; got != http.StatusOK {
		t.Fatalf("checksum with WithBearer: status = %d; want %d (checksum mode stays on with WithBearer)", got, http.StatusOK)
	}
	got := s.deliveries()
	if len(got) != 2 {
		t.Fatalf("got %d deliveries; want 2", len(got))
	}
	if got[0].Auth != webhooks.AuthBearer {
		t.Errorf("deliveries[0].Auth = %v; want %v", got[0].Auth, webhooks.AuthBearer)
	}
	if got[1].Auth != webhooks.AuthChecksum {
		t.Errorf("deliveries[1].Auth = %v; want %v", got[1].Auth, webhooks.AuthChecksum)
	}

	// The 3.0-3.3 checksum is constant per URL: with the opt-in it is
	// accepted for any body, and the delivery says so.
	s = &sink{}
	h = newHandler(t, s.fn, webhooks.WithLegacyChecksum())
	legacy := signedURL(testCallback, refSum(checksum.SHA1, testCallback, "{}", testSecret))
	other := deliveryBody(readFixture(t, "mapped/user-left.json"), testTS)
	for _, b := range []string{body, other} {
		r := httptest.NewRequest(http.MethodPost, legacy, strings.NewReader(b))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if got := serve(h, r).Code; got != http.StatusOK {
			t.Fatalf("legacy checksum: status = %d; want %d", got, http.StatusOK)
		}
	}
	got = s.deliveries()
	if len(got) != 2 {
		t.Fatalf("got %d deliveries; want 2", len(got))
	}
	if got[0].Auth != webhooks.AuthLegacyChecksum {
		t.Errorf("deliveries[0].Auth = %v; want %v", got[0].Auth, webhooks.AuthLegacyChecksum)
	}
	if got[1].Events[0].Type != webhooks.EventUserLeft {
		t.Errorf("deliveries[1].Events[0].Type = %q; want %q", got[1].Events[0].Type, webhooks.EventUserLeft)
	}
	// A real 3.4 checksum still reports AuthChecksum.
	if got := serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret)).Code; got != http.StatusOK {
		t.Fatalf("3.4 checksum: status = %d; want %d", got, http.StatusOK)
	}
	if got := s.deliveries()[2].Auth; got != webhooks.AuthChecksum {
		t.Errorf("deliveries[2].Auth = %v; want %v", got, webhooks.AuthChecksum)
	}
}

func TestHandlerReplayedDeliveries(t *testing.T) {
	t.Parallel()
	body := deliveryBody(userJoined(t), testTS)
	now := time.UnixMilli(testTS).Add(2 * time.Second)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	t.Run("without protection a replay is delivered again", func(t *testing.T) {
		t.Parallel()
		s := &sink{}
		h := newHandler(t, s.fn)
		for range 2 {
			if got := serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret)).Code; got != http.StatusOK {
				t.Fatalf("status = %d; want %d", got, http.StatusOK)
			}
		}
		if got := len(s.deliveries()); got != 2 {
			t.Errorf("got %d deliveries; want 2", got)
		}
	})

	s := &sink{}
	h := newHandler(t, s.fn, webhooks.WithClock(clock),
		webhooks.WithDedup(11*time.Minute, 0), webhooks.WithMaxAge(10*time.Minute, time.Minute))
	for i := range 3 { // a sender retry and two replays inside the window
		w := serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret))
		if w.Code != http.StatusOK {
			t.Fatalf("attempt %d: status = %d; want %d", i, w.Code, http.StatusOK)
		}
		advance(time.Minute)
	}
	if got := len(s.deliveries()); got != 1 {
		t.Errorf("got %d deliveries; want 1 (retries and replays inside the window are absorbed)", got)
	}
	st := h.Stats()
	if st.Accepted != 3 {
		t.Errorf("Stats().Accepted = %d; want 3", st.Accepted)
	}
	if st.Duplicates != 2 {
		t.Errorf("Stats().Duplicates = %d; want 2", st.Duplicates)
	}
	if st.Events != 1 {
		t.Errorf("Stats().Events = %d; want 1", st.Events)
	}

	advance(10 * time.Minute) // older than the accepted age
	w := serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret))
	if w.Code != http.StatusUnauthorized {
		t.Errorf("stale: status = %d; want %d", w.Code, http.StatusUnauthorized)
	}
	if got := h.Stats().Rejected[webhooks.ReasonStale]; got != 1 {
		t.Errorf("Rejected[%q] = %d; want 1", webhooks.ReasonStale, got)
	}
	if got := len(s.deliveries()); got != 1 {
		t.Errorf("got %d deliveries; want 1", got)
	}

	// A delivery stamped in the future beyond the skew, and one without a
	// timestamp, are refused too.
	future := deliveryBody(userJoined(t), clock().Add(2*time.Minute).UnixMilli())
	if got := serve(h, postDelivery(checksum.SHA1, testCallback, future, testSecret)).Code; got != http.StatusUnauthorized {
		t.Errorf("future: status = %d; want %d", got, http.StatusUnauthorized)
	}
	noTS := "domain=x&event=" + formEncode("["+userJoined(t)+"]")
	if got := serve(h, postDelivery(checksum.SHA1, testCallback, noTS, testSecret)).Code; got != http.StatusUnauthorized {
		t.Errorf("no timestamp: status = %d; want %d", got, http.StatusUnauthorized)
	}
	if got := h.Stats().Rejected[webhooks.ReasonStale]; got != 3 {
		t.Errorf("Rejected[%q] = %d; want 3", webhooks.ReasonStale, got)
	}
}

// By default a delivery stamped longer ago than bbb-webhooks' retry window
// is refused, so a capture replayed once WithDedup has forgotten it does not
// reach the DeliveryFunc again; the last retry of the window still does.
func TestHandlerDefaultMaxAgeRefusesLateReplay(t *testing.T) {
	t.Parallel()
	now := time.UnixMilli(testTS)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	var last webhooks.Outcome
	s := &sink{}
	h, err := webhooks.NewHandler(testSecret, testCallback, s.fn, webhooks.WithClock(clock),
		webhooks.WithDedup(time.Minute, 0), webhooks.WithObserver(func(o webhooks.Outcome) { last = o }))
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	body := deliveryBody(userJoined(t), testTS)

	if got := serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret)).Code; got != http.StatusOK {
		t.Fatalf("first delivery: status = %d; want %d", got, http.StatusOK)
	}
	// bbb-webhooks' last retry leaves about six minutes after the stamp.
	advance(6 * time.Minute)
	if got := serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret)).Code; got != http.StatusOK {
		t.Fatalf("retry after 6 minutes: status = %d; want %d", got, http.StatusOK)
	}
	if got := len(s.deliveries()); got != 2 {
		t.Fatalf("got %d deliveries; want 2 (the dedup window (1 min) has passed: the retry is delivered)", got)
	}

	// A replay after the default maximum age is refused with 401, which
	// bbb-webhooks takes as final.
	advance(webhooks.DefaultMaxAge - 6*time.Minute + time.Second)
	w := serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret))
	if w.Code != http.StatusUnauthorized {
		t.Errorf("late replay: status = %d; want %d", w.Code, http.StatusUnauthorized)
	}
	if last.Reason != webhooks.ReasonStale {
		t.Errorf("Reason = %q; want %q", last.Reason, webhooks.ReasonStale)
	}
	if !errors.Is(last.Err, webhooks.ErrStale) {
		t.Errorf("Err = %v; want %v", last.Err, webhooks.ErrStale)
	}
	if errors.Is(last.Err, webhooks.ErrUnauthenticated) {
		t.Errorf("Err = %v; want not %v", last.Err, webhooks.ErrUnauthenticated)
	}
	if got := len(s.deliveries()); got != 2 {
		t.Errorf("got %d deliveries; want 2", got)
	}

	// WithoutMaxAge restores the old behaviour explicitly.
	open, err := webhooks.NewHandler(testSecret, testCallback, s.fn, webhooks.WithClock(clock), webhooks.WithoutMaxAge())
	if err != nil {
		t.Fatalf("NewHandler(WithoutMaxAge): %v", err)
	}
	if got := serve(open, postDelivery(checksum.SHA1, testCallback, body, testSecret)).Code; got != http.StatusOK {
		t.Errorf("WithoutMaxAge: status = %d; want %d", got, http.StatusOK)
	}
}

func TestHandlerReorderedDeliveries(t *testing.T) {
	t.Parallel()
	s := &sink{}
	h := newHandler(t, s.fn, webhooks.WithDedup(time.Minute, 0))
	// In the fixtures, these events have increasing data.event.ts.
	names := []string{"meeting-created", "user-joined", "user-left", "user-audio-voice-enabled", "chat-group-message-sent", "rap-publish-ended"}
	// Send them newest first, as independent retries in 3.x can.
	for i := len(names) - 1; i >= 0; i-- {
		body := deliveryBody(readFixture(t, "mapped/"+names[i]+".json"), testTS+int64(i))
		if got := serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret)).Code; got != http.StatusOK {
			t.Fatalf("%s: status = %d; want %d", names[i], got, http.StatusOK)
		}
	}
	got := s.deliveries()
	if len(got) != len(names) {
		t.Fatalf("got %d deliveries; want %d (reordered deliveries are all kept; none is mistaken for a duplicate)", len(got), len(names))
	}
	evs := make([]webhooks.Event, 0, len(got))
	for _, d := range got {
		evs = append(evs, d.Events...)
	}
	// They arrived newest first; event timestamps restore the order.
	slices.SortFunc(evs, func(a, b webhooks.Event) int { return a.Timestamp.Compare(b.Timestamp) })
	for i, e := range evs {
		if want := webhooks.EventType(names[i]); e.Type != want {
			t.Errorf("sorted event %d: Type = %q; want %q", i, e.Type, want)
		}
	}
	if want := webhooks.EventType(names[len(names)-1]); got[0].Events[0].Type != want {
		t.Errorf("first delivery's event Type = %q; want %q", got[0].Events[0].Type, want)
	}
}

func TestHandlerSizeLimit(t *testing.T) {
	t.Parallel()
	s := &sink{}
	h := newHandler(t, s.fn, webhooks.WithMaxBodyBytes(2048))
	big := `{"data":{"type":"event","id":"chat-group-message-sent","attributes":{"meeting":{"internal-meeting-id":"m","external-meeting-id":"e"},"chat-message":{"id":"1","message":"` +
		strings.Repeat("a", 4000) + `","sender":{"internal-user-id":"u","name":"n","time":1}},"chat-id":"MAIN-PUBLIC-GROUP-CHAT"},"event":{"ts":1}}}`
	body := deliveryBody(big, testTS)

	// Declared length above the limit.
	w := serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret))
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("declared length: status = %d; want %d", w.Code, http.StatusRequestEntityTooLarge)
	}

	// Unknown length (chunked): the limit applies while reading.
	r := postDelivery(checksum.SHA1, testCallback, body, testSecret)
	r.ContentLength = -1
	r.Body = io.NopCloser(struct{ io.Reader }{strings.NewReader(body)})
	if got := serve(h, r).Code; got != http.StatusRequestEntityTooLarge {
		t.Errorf("unknown length: status = %d; want %d", got, http.StatusRequestEntityTooLarge)
	}

	// Exactly at the limit is fine.
	small := deliveryBody(userJoined(t), testTS)
	pad := 2048 - len(small) - len("&x=")
	if pad <= 0 {
		t.Fatalf("pad = %d; want > 0", pad)
	}
	exact := small + "&x=" + strings.Repeat("p", pad)
	if len(exact) != 2048 {
		t.Fatalf("len(exact) = %d; want 2048", len(exact))
	}
	if got := serve(h, postDelivery(checksum.SHA1, testCallback, exact, testSecret)).Code; got != http.StatusOK {
		t.Errorf("at the limit: status = %d; want %d", got, http.StatusOK)
	}
	if got := len(s.deliveries()); got != 1 {
		t.Errorf("got %d deliveries; want 1", got)
	}
	if got := h.Stats().Rejected[webhooks.ReasonTooLarge]; got != 2 {
		t.Errorf("Rejected[%q] = %d; want 2", webhooks.ReasonTooLarge, got)
	}
}

func TestHandlerTruncatedBodies(t *testing.T) {
	t.Parallel()
	body := deliveryBody(userJoined(t), testTS)

	t.Run("shorter than Content-Length", func(t *testing.T) {
		t.Parallel()
		s := &sink{}
		h := newHandler(t, s.fn)
		r := postDelivery(checksum.SHA1, testCallback, body[:len(body)/2], testSecret)
		r.ContentLength = int64(len(body))
		if got := serve(h, r).Code; got != http.StatusBadRequest {
			t.Errorf("status = %d; want %d", got, http.StatusBadRequest)
		}
		if got := len(s.deliveries()); got != 0 {
			t.Errorf("got %d deliveries; want 0", got)
		}
	})
	t.Run("cut body signed as whole", func(t *testing.T) {
		t.Parallel()
		s := &sink{}
		h := newHandler(t, s.fn)
		sum := refSum(checksum.SHA1, testCallback, body, testSecret)
		r := httptest.NewRequest(http.MethodPost, signedURL(testCallback, sum), strings.NewReader(body[:len(body)-20]))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if got := serve(h, r).Code; got != http.StatusUnauthorized {
			t.Errorf("status = %d; want %d", got, http.StatusUnauthorized)
		}
		if got := len(s.deliveries()); got != 0 {
			t.Errorf("got %d deliveries; want 0", got)
		}
	})
	t.Run("connection dropped mid-body", func(t *testing.T) {
		t.Parallel()
		s := &sink{}
		outcome := make(chan webhooks.Outcome, 1)
		h := newHandler(t, s.fn, webhooks.WithObserver(func(o webhooks.Outcome) { outcome <- o }))
		srv := httptest.NewServer(h)
		defer srv.Close()
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatalf("net.Dial: %v", err)
		}
		sum := refSum(checksum.SHA1, testCallback, body, testSecret)
		fmt.Fprintf(conn, "POST /bbb/events?tenant=east&checksum=%s HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
			sum, len(body), body[:len(body)/2])
		if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
			t.Fatalf("CloseWrite: %v", err)
		}
		select {
		case o := <-outcome:
			if o.Status != http.StatusBadRequest {
				t.Errorf("Status = %d; want %d", o.Status, http.StatusBadRequest)
			}
			if o.Reason != webhooks.ReasonBodyRead {
				t.Errorf("Reason = %q; want %q", o.Reason, webhooks.ReasonBodyRead)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("handler did not finish")
		}
		conn.Close()
		if got := len(s.deliveries()); got != 0 {
			t.Errorf("got %d deliveries; want 0", got)
		}
	})
}

func TestHandlerContentTypeAndMethod(t *testing.T) {
	t.Parallel()
	body := deliveryBody(userJoined(t), testTS)
	for _, tt := range []struct {
		ct   string
		want int
	}{
		{"application/x-www-form-urlencoded", http.StatusOK},
		{"application/x-www-form-urlencoded;charset=UTF-8", http.StatusOK},
		{"Application/X-WWW-Form-Urlencoded ; charset=utf-8", http.StatusOK},
		{"application/json", http.StatusUnsupportedMediaType},
		{"multipart/form-data; boundary=x", http.StatusUnsupportedMediaType},
		{"text/plain", http.StatusUnsupportedMediaType},
		{"", http.StatusUnsupportedMediaType},
	} {
		t.Run(tt.ct, func(t *testing.T) {
			t.Parallel()
			s := &sink{}
			h := newHandler(t, s.fn)
			r := postDelivery(checksum.SHA1, testCallback, body, testSecret)
			r.Header.Set("Content-Type", tt.ct)
			if got := serve(h, r).Code; got != tt.want {
				t.Errorf("Content-Type %q: status = %d; want %d", tt.ct, got, tt.want)
			}
		})
	}
	s := &sink{}
	h := newHandler(t, s.fn)
	gz := postDelivery(checksum.SHA1, testCallback, body, testSecret)
	gz.Header.Set("Content-Encoding", "gzip")
	if got := serve(h, gz).Code; got != http.StatusUnsupportedMediaType {
		t.Errorf("gzip: status = %d; want %d", got, http.StatusUnsupportedMediaType)
	}
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodHead} {
		r := postDelivery(checksum.SHA1, testCallback, body, testSecret)
		r.Method = m
		w := serve(h, r)
		if w.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s: status = %d; want %d", m, w.Code, http.StatusMethodNotAllowed)
		}
		if got := w.Header().Get("Allow"); got != "POST" {
			t.Errorf("%s: Allow = %q; want %q", m, got, "POST")
		}
	}
	if got := len(s.deliveries()); got != 0 {
		t.Errorf("got %d deliveries; want 0", got)
	}
}

func TestHandlerMalformedDeliveries(t *testing.T) {
	t.Parallel()
	ev := userJoined(t)
	tests := map[string]string{
		"event not JSON":         "domain=d&event=" + formEncode("[{not json") + "&timestamp=1",
		"event truncated JSON":   "domain=d&event=" + formEncode("["+ev[:len(ev)-5]) + "&timestamp=1",
		"event an object":        "domain=d&event=" + formEncode(ev) + "&timestamp=1",
		"event empty array":      "domain=d&event=%5B%5D&timestamp=1",
		"element a number":       "domain=d&event=%5B1%5D&timestamp=1",
		"element a string":       "domain=d&event=" + formEncode(`["x"]`) + "&timestamp=1",
		"data without id":        "domain=d&event=" + formEncode(`[{"data":{"type":"event"}}]`) + "&timestamp=1",
		"data id a number":       "domain=d&event=" + formEncode(`[{"data":{"id":7}}]`) + "&timestamp=1",
		"event missing":          "domain=d&timestamp=1",
		"event twice":            "event=" + formEncode("["+ev+"]") + "&event=" + formEncode("["+ev+"]"),
		"bad percent escape":     "domain=d&event=%5" + "&timestamp=1",
		"bad escape in value":    "domain=d&event=%ZZ&timestamp=1",
		"timestamp not a number": "domain=d&event=" + formEncode("["+ev+"]") + "&timestamp=soon",
		"timestamp negative":     "domain=d&event=" + formEncode("["+ev+"]") + "&timestamp=-5",
		"JSON body":              `{"event":[` + ev + `]}`,
		"empty body":             "",
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := &sink{}
			var got webhooks.Outcome
			h := newHandler(t, s.fn, webhooks.WithObserver(func(o webhooks.Outcome) { got = o }))
			w := serve(h, postDelivery(checksum.SHA256, testCallback, body, testSecret))
			if w.Code != http.StatusBadRequest {
				t.Errorf("status = %d; want %d", w.Code, http.StatusBadRequest)
			}
			if got.Reason != webhooks.ReasonMalformed {
				t.Errorf("Reason = %q; want %q", got.Reason, webhooks.ReasonMalformed)
			}
			if !errors.Is(got.Err, webhooks.ErrMalformed) {
				t.Errorf("Err = %v; want %v", got.Err, webhooks.ErrMalformed)
			}
			if got.Auth != webhooks.AuthChecksum {
				t.Errorf("Auth = %v; want %v (malformed is only reported after authentication)", got.Auth, webhooks.AuthChecksum)
			}
			if n := len(s.deliveries()); n != 0 {
				t.Errorf("got %d deliveries; want 0", n)
			}
		})
	}
}

func TestHandlerCallbackFailure(t *testing.T) {
	t.Parallel()
	body := deliveryBody(userJoined(t), testTS)
	s := &sink{fail: errors.New("queue full")}
	h := newHandler(t, s.fn, webhooks.WithDedup(time.Minute, 0))
	w := serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret))
	if w.Code != http.StatusInternalServerError {
		t.Errorf("failing callback: status = %d; want %d", w.Code, http.StatusInternalServerError)
	}

	// The sender retries; this time the application takes it. A failed
	// attempt is not remembered as delivered.
	s.mu.Lock()
	s.fail = nil
	s.mu.Unlock()
	if got := serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret)).Code; got != http.StatusOK {
		t.Errorf("retry: status = %d; want %d", got, http.StatusOK)
	}
	if got := len(s.deliveries()); got != 1 {
		t.Errorf("got %d deliveries; want 1", got)
	}

	ph := newHandler(t, func(context.Context, *webhooks.Delivery) error { panic("boom") })
	if got := serve(ph, postDelivery(checksum.SHA1, testCallback, body, testSecret)).Code; got != http.StatusInternalServerError {
		t.Errorf("panicking callback: status = %d; want %d", got, http.StatusInternalServerError)
	}
	st := h.Stats()
	if got := st.Rejected[webhooks.ReasonCallback]; got != 1 {
		t.Errorf("Rejected[%q] = %d; want 1", webhooks.ReasonCallback, got)
	}
	if got := ph.Stats().Rejected[webhooks.ReasonCallback]; got != 1 {
		t.Errorf("panicking handler: Rejected[%q] = %d; want 1", webhooks.ReasonCallback, got)
	}
}

func TestHandlerDuplicateInFlight(t *testing.T) {
	t.Parallel()
	body := deliveryBody(userJoined(t), testTS)
	release := make(chan struct{})
	entered := make(chan struct{}, 4)
	var mu sync.Mutex
	calls := 0
	h := newHandler(t, func(ctx context.Context, d *webhooks.Delivery) error {
		mu.Lock()
		calls++
		mu.Unlock()
		entered <- struct{}{}
		<-release
		return nil
	}, webhooks.WithDedup(time.Minute, 0))

	first := make(chan int)
	go func() { first <- serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret)).Code }()
	<-entered

	// A copy whose request ends while the first is in flight gets 503.
	ctx, cancel := context.WithCancel(context.Background())
	r := postDelivery(checksum.SHA1, testCallback, body, testSecret).WithContext(ctx)
	second := make(chan *httptest.ResponseRecorder)
	go func() { second <- serve(h, r) }()
	cancel()
	w := <-second
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("cancelled copy: status = %d; want %d", w.Code, http.StatusServiceUnavailable)
	}
	if w.Header().Get("Retry-After") == "" {
		t.Errorf("cancelled copy: no Retry-After header")
	}

	// A copy that waits gets 200 once the first is accepted, without a
	// second call.
	third := make(chan int)
	go func() { third <- serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret)).Code }()
	close(release)
	if got := <-first; got != http.StatusOK {
		t.Errorf("first: status = %d; want %d", got, http.StatusOK)
	}
	if got := <-third; got != http.StatusOK {
		t.Errorf("waiting copy: status = %d; want %d", got, http.StatusOK)
	}
	mu.Lock()
	if calls != 1 {
		t.Errorf("DeliveryFunc called %d times; want 1", calls)
	}
	mu.Unlock()
}

func TestHandlerDedupForgetsOldest(t *testing.T) {
	t.Parallel()
	s := &sink{}
	h := newHandler(t, s.fn, webhooks.WithDedup(time.Hour, 2))
	bodies := []string{}
	for i := range 3 {
		bodies = append(bodies, deliveryBody(userJoined(t), testTS+int64(i)))
	}
	for i, b := range bodies {
		if got := serve(h, postDelivery(checksum.SHA1, testCallback, b, testSecret)).Code; got != http.StatusOK {
			t.Fatalf("body %d: status = %d; want %d", i, got, http.StatusOK)
		}
	}
	// The newest is still remembered, the oldest was forgotten.
	serve(h, postDelivery(checksum.SHA1, testCallback, bodies[2], testSecret))
	if got := len(s.deliveries()); got != 3 {
		t.Errorf("after repeating the newest: got %d deliveries; want 3", got)
	}
	serve(h, postDelivery(checksum.SHA1, testCallback, bodies[0], testSecret))
	if got := len(s.deliveries()); got != 4 {
		t.Errorf("after repeating the oldest: got %d deliveries; want 4", got)
	}
}

func TestNewHandlerValidates(t *testing.T) {
	t.Parallel()
	fn := func(context.Context, *webhooks.Delivery) error { return nil }
	tests := []struct {
		name     string
		secret   string
		callback string
		fn       webhooks.DeliveryFunc
		opts     []webhooks.HandlerOption
	}{
		{"empty secret", " ", testCallback, fn, nil},
		{"relative URL", testSecret, "/hook", fn, nil},
		{"ftp URL", testSecret, "ftp://x/y", fn, nil},
		{"nil func", testSecret, testCallback, nil, nil},
		{"no algorithms", testSecret, testCallback, fn, []webhooks.HandlerOption{webhooks.WithAcceptedChecksums()}},
		{"bad algorithm", testSecret, testCallback, fn, []webhooks.HandlerOption{webhooks.WithAcceptedChecksums(checksum.Algorithm(9))}},
		{"zero size", testSecret, testCallback, fn, []webhooks.HandlerOption{webhooks.WithMaxBodyBytes(0)}},
		{"zero window", testSecret, testCallback, fn, []webhooks.HandlerOption{webhooks.WithDedup(0, 10)}},
		{"zero age", testSecret, testCallback, fn, []webhooks.HandlerOption{webhooks.WithMaxAge(0, 0)}},
		{"nil logger", testSecret, testCallback, fn, []webhooks.HandlerOption{webhooks.WithLogger(nil)}},
		{"nil clock", testSecret, testCallback, fn, []webhooks.HandlerOption{webhooks.WithClock(nil)}},
		{"nil observer", testSecret, testCallback, fn, []webhooks.HandlerOption{webhooks.WithObserver(nil)}},
		{"negative skew", testSecret, testCallback, fn, []webhooks.HandlerOption{webhooks.WithMaxAge(time.Minute, -1)}},
		{"nil option", testSecret, testCallback, fn, []webhooks.HandlerOption{nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := webhooks.NewHandler(tt.secret, tt.callback, tt.fn, tt.opts...)
			if err == nil {
				t.Errorf("NewHandler: no error; want one")
			}
			if h != nil {
				t.Errorf("NewHandler = %v; want nil", h)
			}
		})
	}
}

// TestHandlerNeverLogsSecrets drives every refusal path and checks that
// neither the log, nor the answers, nor the errors contain the secret, a
// checksum, the bearer token or the meeting passwords of the body.
func TestHandlerNeverLogsSecrets(t *testing.T) {
	t.Parallel()
	var logBuf syncbuf.Buffer
	logger := slog.New(slog.NewJSONHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var errs []string
	h := newHandler(t, func(context.Context, *webhooks.Delivery) error { return errors.New("downstream unavailable") },
		webhooks.WithLogger(logger), webhooks.WithBearer(), webhooks.WithMaxBodyBytes(4096),
		webhooks.WithObserver(func(o webhooks.Outcome) {
			if o.Err != nil {
				errs = append(errs, o.Err.Error())
			}
		}))
	created := readFixture(t, "mapped/meeting-created.json")
	body := deliveryBody(created, testTS)
	good := refSum(checksum.SHA512, testCallback, body, testSecret)
	var answers []string
	send := func(r *http.Request) {
		answers = append(answers, serve(h, r).Body.String())
	}
	send(postDelivery(checksum.SHA512, testCallback, body, testSecret))            // callback fails
	send(postDelivery(checksum.SHA512, testCallback, body, testSecret+"x"))        // forged
	send(bearerReq(testSecret+"nope", body))                                       // wrong bearer
	send(postDelivery(checksum.SHA512, testCallback, "event=%5B1%5D", testSecret)) // malformed
	r := postDelivery(checksum.SHA512, testCallback, body, testSecret)
	r.Header.Set("Content-Type", "text/plain")
	send(r)
	big := strings.Repeat("x", 5000)
	send(postDelivery(checksum.SHA512, testCallback, big, testSecret))

	logs := logBuf.String()
	if !strings.Contains(logs, `"level":"ERROR"`) {
		t.Fatalf("log has no ERROR record:\n%s", logs)
	}
	all := logs + strings.Join(answers, "\n") + strings.Join(errs, "\n")
	for _, secret := range []string{testSecret, good, good[:20], "mod-secret-pw", "view-secret-pw"} {
		if strings.Contains(all, secret) {
			t.Errorf("logs, answers or errors contain %q:\n%s", secret, all)
		}
	}
}

func TestHandlerOverRealServer(t *testing.T) {
	t.Parallel()
	s := &sink{}
	h := newHandler(t, s.fn, webhooks.WithDedup(time.Minute, 0))
	srv := httptest.NewServer(h)
	defer srv.Close()
	// The hook was registered with the public URL; the request reaches the
	// test server under another address, as behind a reverse proxy.
	for i, name := range []string{"meeting-created", "user-joined", "chat-group-message-sent"} {
		body := deliveryBody(readFixture(t, "mapped/"+name+".json"), testTS+int64(i))
		sum := refSum(checksum.SHA1, testCallback, body, testSecret)
		resp, err := http.Post(srv.URL+"/bbb/events?tenant=east&checksum="+sum,
			"application/x-www-form-urlencoded;charset=UTF-8", strings.NewReader(body))
		if err != nil {
			t.Fatalf("http.Post: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("delivery %d: status = %d; want %d", i, resp.StatusCode, http.StatusOK)
		}
	}
	if got := len(s.deliveries()); got != 3 {
		t.Errorf("got %d deliveries; want 3", got)
	}
}

func TestHandlerPrintsWithoutSecret(t *testing.T) {
	t.Parallel()
	h := newHandler(t, (&sink{}).fn, webhooks.WithBearer())
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		s := fmt.Sprintf(f, h)
		if strings.Contains(s, testSecret) {
			t.Errorf("Sprintf(%q, h) = %q; contains the secret", f, s)
		}
		if !strings.Contains(s, testCallback) {
			t.Errorf("Sprintf(%q, h) = %q; want it to contain %q", f, s, testCallback)
		}
	}
}
