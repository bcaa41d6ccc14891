package greenlight

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func benchBody() []byte {
	var b strings.Builder
	b.WriteString(`{"data":[`)
	for i := range 25 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%08d-0000-4000-8000-000000000000","name":"Room %d","friendly_id":"abc-def-ghi-%03d","online":false,"participants":0,"last_session":null,"owner":"Owner %d","active":false}`, i, i, i, i)
	}
	b.WriteString(`],"meta":{"page":1,"pages":4,"count":100,"items":25,"next":2,"prev":null}}`)
	return []byte(b.String())
}

// BenchmarkDecodeEnvelopeBaseline is plain json.Unmarshal of the same body
// into the final types: the floor for BenchmarkDecodeEnvelope.
func BenchmarkDecodeEnvelopeBaseline(b *testing.B) {
	body := benchBody()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var out struct {
			Data []Room `json:"data"`
			Meta Page   `json:"meta"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeEnvelope is the client's path: envelope, error codes,
// data and page.
func BenchmarkDecodeEnvelope(b *testing.B) {
	body := benchBody()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		env, _, err := decodeEnvelope(body)
		if err != nil {
			b.Fatal(err)
		}
		var rooms []Room
		if err := env.decodeData(&rooms); err != nil {
			b.Fatal(err)
		}
		if _, err := env.decodePage(); err != nil {
			b.Fatal(err)
		}
	}
}
