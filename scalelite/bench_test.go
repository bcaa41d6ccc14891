package scalelite

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// benchServers is a getServers answer with 100 servers.
func benchServers() string {
	var b strings.Builder
	b.WriteString("[")
	for i := range 100 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"srv-%03d","url":"https://bbb%03d.example.org/bigbluebutton/api","secret":"s%03d","tag":"","bbb_version":"3.0.4","state":"enabled","load":%d.0,"load_multiplier":"1.0","online":"online"}`, i, i, i, i*3)
	}
	b.WriteString("]")
	return b.String()
}

// benchServer serves the benchServers answer to every request until the
// benchmark ends.
func benchServer(b *testing.B) *httptest.Server {
	body := benchServers()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkGetServers measures Client.GetServers on 100 servers; compare it
// with BenchmarkGetServersBaseline, a bare GET of the same answer decoded
// into generic maps, for the client's overhead (signing, typed decoding).
func BenchmarkGetServers(b *testing.B) {
	srv := benchServer(b)
	c, err := New(srv.URL, testSecret)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		s, err := c.GetServers(ctx)
		if err != nil || len(s) != 100 {
			b.Fatal(err, len(s))
		}
	}
}

// BenchmarkGetServersBaseline is the baseline of BenchmarkGetServers.
func BenchmarkGetServersBaseline(b *testing.B) {
	srv := benchServer(b)
	b.ReportAllocs()
	for b.Loop() {
		resp, err := http.Get(srv.URL + "/scalelite/api/getServers")
		if err != nil {
			b.Fatal(err)
		}
		var out []map[string]any
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || len(out) != 100 {
			b.Fatal(err)
		}
	}
}
