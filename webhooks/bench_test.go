package webhooks_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/webhooks"
)

// The benchmarks compare verifying and decoding a typical one-event delivery
// (a user-joined, signed with SHA-1, the bbb-webhooks default) with a
// baseline that only hashes the same body and unmarshals the same event into
// map[string]any. The target is a ratio of at most 3.

func benchDelivery(b *testing.B) (event, body string) {
	event = readFixture(b, "mapped/user-joined.json")
	return event, deliveryBody(event, testTS)
}

// BenchmarkBaselineHashAndUnmarshal is the baseline: the least any receiver
// must do.
func BenchmarkBaselineHashAndUnmarshal(b *testing.B) {
	event, body := benchDelivery(b)
	ev := []byte(event)
	msg := []byte(testCallback + body + testSecret)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		sum := sha1.Sum(msg)
		var dst [40]byte
		hex.Encode(dst[:], sum[:])
		var m map[string]any
		if err := json.Unmarshal(ev, &m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandlerVerifyDecode runs the whole Handler: content type, body
// read, checksum verification, form and event decoding, the (empty)
// DeliveryFunc and the answer.
func BenchmarkHandlerVerifyDecode(b *testing.B) {
	_, body := benchDelivery(b)
	h, err := webhooks.NewHandler(testSecret, testCallback, func(context.Context, *webhooks.Delivery) error { return nil }, webhooks.WithClock(testNow))
	if err != nil {
		b.Fatal(err)
	}
	r := postDelivery(checksum.SHA1, testCallback, body, testSecret)
	rd := strings.NewReader(body)
	w := &discardWriter{h: http.Header{}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		r.Body = io.NopCloser(rd)
		w.code = 0
		h.ServeHTTP(w, r)
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
	}
}

// BenchmarkParseDelivery is the decoding part alone.
func BenchmarkParseDelivery(b *testing.B) {
	_, body := benchDelivery(b)
	bb := []byte(body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := webhooks.ParseDelivery(bb); err != nil {
			b.Fatal(err)
		}
	}
}

// discardWriter is a minimal ResponseWriter so the benchmark measures the
// Handler, not httptest.ResponseRecorder.
type discardWriter struct {
	h    http.Header
	code int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(code int)        { d.code = code }
