package webhooks_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/bbb/checksum"
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
	require.NoError(t, err)
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
				require.NoError(t, err)
				body := deliveryBody(userJoined(t), testTS)
				w := serve(h, postDelivery(alg, cb, body, testSecret))
				require.Equal(t, http.StatusOK, w.Code, w.Body.String())
				got := s.deliveries()
				require.Len(t, got, 1)
				d := got[0]
				assert.Equal(t, testDomain, d.Domain)
				assert.Equal(t, time.UnixMilli(testTS).UTC(), d.Timestamp)
				assert.Equal(t, webhooks.AuthChecksum, d.Auth)
				require.Len(t, d.Events, 1)
				assert.Equal(t, webhooks.EventUserJoined, d.Events[0].Type)
				assert.JSONEq(t, userJoined(t), string(d.Events[0].JSON))
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
	assert.Equal(t, http.StatusOK, serve(h, r).Code)
}

func TestHandlerRefusesForgedDeliveries(t *testing.T) {
	t.Parallel()
	body := deliveryBody(userJoined(t), testTS)
	good := refSum(checksum.SHA1, testCallback, body, testSecret)
	tampered := strings.Replace(body, "MODERATOR", "VIEWER", 1)
	require.NotEqual(t, body, tampered)
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
			assert.Equal(t, http.StatusUnauthorized, w.Code)
			assert.Empty(t, s.deliveries(), "a forged delivery reached the DeliveryFunc")
			require.Len(t, outcomes, 1)
			assert.Equal(t, webhooks.ReasonUnauthenticated, outcomes[0].Reason)
			assert.ErrorIs(t, outcomes[0].Err, webhooks.ErrUnauthenticated)
			assert.Equal(t, uint64(1), h.Stats().Rejected[webhooks.ReasonUnauthenticated])
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
	require.Equal(t, http.StatusOK, serve(h, bearerReq(testSecret, body)).Code)
	require.Equal(t, http.StatusOK, serve(h, postDelivery(checksum.SHA256, testCallback, body, testSecret)).Code,
		"checksum mode stays on with WithBearer")
	got := s.deliveries()
	require.Len(t, got, 2)
	assert.Equal(t, webhooks.AuthBearer, got[0].Auth)
	assert.Equal(t, webhooks.AuthChecksum, got[1].Auth)

	// The 3.0-3.3 checksum is constant per URL: with the opt-in it is
	// accepted for any body, and the delivery says so.
	s = &sink{}
	h = newHandler(t, s.fn, webhooks.WithLegacyChecksum())
	legacy := signedURL(testCallback, refSum(checksum.SHA1, testCallback, "{}", testSecret))
	other := deliveryBody(readFixture(t, "mapped/user-left.json"), testTS)
	for _, b := range []string{body, other} {
		r := httptest.NewRequest(http.MethodPost, legacy, strings.NewReader(b))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		require.Equal(t, http.StatusOK, serve(h, r).Code)
	}
	got = s.deliveries()
	require.Len(t, got, 2)
	assert.Equal(t, webhooks.AuthLegacyChecksum, got[0].Auth)
	assert.Equal(t, webhooks.EventUserLeft, got[1].Events[0].Type)
	// A real 3.4 checksum still reports AuthChecksum.
	require.Equal(t, http.StatusOK, serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret)).Code)
	assert.Equal(t, webhooks.AuthChecksum, s.deliveries()[2].Auth)
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
			require.Equal(t, http.StatusOK, serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret)).Code)
		}
		assert.Len(t, s.deliveries(), 2)
	})

	s := &sink{}
	h := newHandler(t, s.fn, webhooks.WithClock(clock),
		webhooks.WithDedup(11*time.Minute, 0), webhooks.WithMaxAge(10*time.Minute, time.Minute))
	for i := range 3 { // a sender retry and two replays inside the window
		w := serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret))
		require.Equal(t, http.StatusOK, w.Code, "attempt %d", i)
		advance(time.Minute)
	}
	assert.Len(t, s.deliveries(), 1, "retries and replays inside the window are absorbed")
	st := h.Stats()
	assert.Equal(t, uint64(3), st.Accepted)
	assert.Equal(t, uint64(2), st.Duplicates)
	assert.Equal(t, uint64(1), st.Events)

	advance(10 * time.Minute) // older than the accepted age
	w := serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret))
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Equal(t, uint64(1), h.Stats().Rejected[webhooks.ReasonStale])
	assert.Len(t, s.deliveries(), 1)

	// A delivery stamped in the future beyond the skew, and one without a
	// timestamp, are refused too.
	future := deliveryBody(userJoined(t), clock().Add(2*time.Minute).UnixMilli())
	assert.Equal(t, http.StatusUnauthorized, serve(h, postDelivery(checksum.SHA1, testCallback, future, testSecret)).Code)
	noTS := "domain=x&event=" + formEncode("["+userJoined(t)+"]")
	assert.Equal(t, http.StatusUnauthorized, serve(h, postDelivery(checksum.SHA1, testCallback, noTS, testSecret)).Code)
	assert.Equal(t, uint64(3), h.Stats().Rejected[webhooks.ReasonStale])
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
	require.NoError(t, err)
	body := deliveryBody(userJoined(t), testTS)

	require.Equal(t, http.StatusOK, serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret)).Code)
	// bbb-webhooks' last retry leaves about six minutes after the stamp.
	advance(6 * time.Minute)
	require.Equal(t, http.StatusOK, serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret)).Code)
	require.Len(t, s.deliveries(), 2, "the dedup window (1 min) has passed: the retry is delivered")

	// A replay after the default maximum age is refused with 401, which
	// bbb-webhooks takes as final.
	advance(webhooks.DefaultMaxAge - 6*time.Minute + time.Second)
	w := serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret))
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Equal(t, webhooks.ReasonStale, last.Reason)
	assert.ErrorIs(t, last.Err, webhooks.ErrStale)
	assert.NotErrorIs(t, last.Err, webhooks.ErrUnauthenticated)
	assert.Len(t, s.deliveries(), 2)

	// WithoutMaxAge restores the old behaviour explicitly.
	open, err := webhooks.NewHandler(testSecret, testCallback, s.fn, webhooks.WithClock(clock), webhooks.WithoutMaxAge())
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, serve(open, postDelivery(checksum.SHA1, testCallback, body, testSecret)).Code)
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
		require.Equal(t, http.StatusOK, serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret)).Code)
	}
	got := s.deliveries()
	require.Len(t, got, len(names), "reordered deliveries are all kept; none is mistaken for a duplicate")
	evs := make([]webhooks.Event, 0, len(got))
	for _, d := range got {
		evs = append(evs, d.Events...)
	}
	// They arrived newest first; event timestamps restore the order.
	slices.SortFunc(evs, func(a, b webhooks.Event) int { return a.Timestamp.Compare(b.Timestamp) })
	for i, e := range evs {
		assert.Equal(t, webhooks.EventType(names[i]), e.Type)
	}
	assert.Equal(t, webhooks.EventType(names[len(names)-1]), got[0].Events[0].Type)
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
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)

	// Unknown length (chunked): the limit applies while reading.
	r := postDelivery(checksum.SHA1, testCallback, body, testSecret)
	r.ContentLength = -1
	r.Body = io.NopCloser(struct{ io.Reader }{strings.NewReader(body)})
	assert.Equal(t, http.StatusRequestEntityTooLarge, serve(h, r).Code)

	// Exactly at the limit is fine.
	small := deliveryBody(userJoined(t), testTS)
	pad := 2048 - len(small) - len("&x=")
	require.Positive(t, pad)
	exact := small + "&x=" + strings.Repeat("p", pad)
	require.Len(t, exact, 2048)
	assert.Equal(t, http.StatusOK, serve(h, postDelivery(checksum.SHA1, testCallback, exact, testSecret)).Code)
	assert.Len(t, s.deliveries(), 1)
	assert.Equal(t, uint64(2), h.Stats().Rejected[webhooks.ReasonTooLarge])
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
		assert.Equal(t, http.StatusBadRequest, serve(h, r).Code)
		assert.Empty(t, s.deliveries())
	})
	t.Run("cut body signed as whole", func(t *testing.T) {
		t.Parallel()
		s := &sink{}
		h := newHandler(t, s.fn)
		sum := refSum(checksum.SHA1, testCallback, body, testSecret)
		r := httptest.NewRequest(http.MethodPost, signedURL(testCallback, sum), strings.NewReader(body[:len(body)-20]))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		assert.Equal(t, http.StatusUnauthorized, serve(h, r).Code)
		assert.Empty(t, s.deliveries())
	})
	t.Run("connection dropped mid-body", func(t *testing.T) {
		t.Parallel()
		s := &sink{}
		outcome := make(chan webhooks.Outcome, 1)
		h := newHandler(t, s.fn, webhooks.WithObserver(func(o webhooks.Outcome) { outcome <- o }))
		srv := httptest.NewServer(h)
		defer srv.Close()
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		require.NoError(t, err)
		sum := refSum(checksum.SHA1, testCallback, body, testSecret)
		fmt.Fprintf(conn, "POST /bbb/events?tenant=east&checksum=%s HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
			sum, len(body), body[:len(body)/2])
		require.NoError(t, conn.(*net.TCPConn).CloseWrite())
		select {
		case o := <-outcome:
			assert.Equal(t, http.StatusBadRequest, o.Status)
			assert.Equal(t, webhooks.ReasonBodyRead, o.Reason)
		case <-time.After(5 * time.Second):
			t.Fatal("handler did not finish")
		}
		conn.Close()
		assert.Empty(t, s.deliveries())
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
			assert.Equal(t, tt.want, serve(h, r).Code)
		})
	}
	s := &sink{}
	h := newHandler(t, s.fn)
	gz := postDelivery(checksum.SHA1, testCallback, body, testSecret)
	gz.Header.Set("Content-Encoding", "gzip")
	assert.Equal(t, http.StatusUnsupportedMediaType, serve(h, gz).Code)
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodHead} {
		r := postDelivery(checksum.SHA1, testCallback, body, testSecret)
		r.Method = m
		w := serve(h, r)
		assert.Equal(t, http.StatusMethodNotAllowed, w.Code)
		assert.Equal(t, "POST", w.Header().Get("Allow"))
	}
	assert.Empty(t, s.deliveries())
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
			assert.Equal(t, http.StatusBadRequest, w.Code)
			assert.Equal(t, webhooks.ReasonMalformed, got.Reason)
			assert.ErrorIs(t, got.Err, webhooks.ErrMalformed)
			assert.Equal(t, webhooks.AuthChecksum, got.Auth, "malformed is only reported after authentication")
			assert.Empty(t, s.deliveries())
		})
	}
}

func TestHandlerCallbackFailure(t *testing.T) {
	t.Parallel()
	body := deliveryBody(userJoined(t), testTS)
	s := &sink{fail: errors.New("queue full")}
	h := newHandler(t, s.fn, webhooks.WithDedup(time.Minute, 0))
	w := serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret))
	assert.Equal(t, http.StatusInternalServerError, w.Code)

	// The sender retries; this time the application takes it. A failed
	// attempt is not remembered as delivered.
	s.mu.Lock()
	s.fail = nil
	s.mu.Unlock()
	assert.Equal(t, http.StatusOK, serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret)).Code)
	assert.Len(t, s.deliveries(), 1)

	ph := newHandler(t, func(context.Context, *webhooks.Delivery) error { panic("boom") })
	assert.Equal(t, http.StatusInternalServerError, serve(ph, postDelivery(checksum.SHA1, testCallback, body, testSecret)).Code)
	st := h.Stats()
	assert.Equal(t, uint64(1), st.Rejected[webhooks.ReasonCallback])
	assert.Equal(t, uint64(1), ph.Stats().Rejected[webhooks.ReasonCallback])
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
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.NotEmpty(t, w.Header().Get("Retry-After"))

	// A copy that waits gets 200 once the first is accepted, without a
	// second call.
	third := make(chan int)
	go func() { third <- serve(h, postDelivery(checksum.SHA1, testCallback, body, testSecret)).Code }()
	close(release)
	assert.Equal(t, http.StatusOK, <-first)
	assert.Equal(t, http.StatusOK, <-third)
	mu.Lock()
	assert.Equal(t, 1, calls)
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
	for _, b := range bodies {
		require.Equal(t, http.StatusOK, serve(h, postDelivery(checksum.SHA1, testCallback, b, testSecret)).Code)
	}
	// The newest is still remembered, the oldest was forgotten.
	serve(h, postDelivery(checksum.SHA1, testCallback, bodies[2], testSecret))
	assert.Len(t, s.deliveries(), 3)
	serve(h, postDelivery(checksum.SHA1, testCallback, bodies[0], testSecret))
	assert.Len(t, s.deliveries(), 4)
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
			assert.Error(t, err)
			assert.Nil(t, h)
		})
	}
}

// TestHandlerNeverLogsSecrets drives every refusal path and checks that
// neither the log, nor the answers, nor the errors contain the secret, a
// checksum, the bearer token or the meeting passwords of the body.
func TestHandlerNeverLogsSecrets(t *testing.T) {
	t.Parallel()
	var logBuf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: &logBuf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
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

	mu.Lock()
	logs := logBuf.String()
	mu.Unlock()
	require.Contains(t, logs, `"level":"ERROR"`)
	all := logs + strings.Join(answers, "\n") + strings.Join(errs, "\n")
	for _, secret := range []string{testSecret, good, good[:20], "mod-secret-pw", "view-secret-pw"} {
		assert.NotContains(t, all, secret)
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
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
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, strconv.Itoa(i))
	}
	assert.Len(t, s.deliveries(), 3)
}

func TestHandlerPrintsWithoutSecret(t *testing.T) {
	t.Parallel()
	h := newHandler(t, (&sink{}).fn, webhooks.WithBearer())
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		s := fmt.Sprintf(f, h)
		assert.NotContains(t, s, testSecret, f)
		assert.Contains(t, s, testCallback, f)
	}
}
