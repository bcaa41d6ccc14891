package metrics

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// TestExporterLogsNoEchoedChecksum: a server that echoes each signed query
// (HTML- and JSON-escaped) in its FAILED answers leaves no checksum in the
// exporter's logs, status, refresh error or exposition.
func TestExporterLogsNoEchoedChecksum(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var sums []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.RawQuery
		if sum, _, _ := checksum.Split(q); sum != "" {
			mu.Lock()
			sums = append(sums, sum)
			mu.Unlock()
		}
		fmt.Fprintf(w, "<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey>"+
			"<message>?%s or %s</message></response>", html.EscapeString(q), strings.ReplaceAll(q, "&", `\u0026`))
	}))
	defer srv.Close()
	client, err := bbb.New(srv.URL+"/bigbluebutton/", "exporter-secret-31")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	col, err := NewCollector([]Target{{Name: "x", Client: client}},
		WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	text := exposition(t, col)
	rerr := col.RefreshRecordings(context.Background())
	if rerr == nil {
		t.Fatal("RefreshRecordings against a refusing server succeeded")
	}
	col.Close()
	st := col.Status()[0]
	mu.Lock()
	forbidden := append([]string{"exporter-secret-31"}, sums...)
	mu.Unlock()
	if len(forbidden) < 2 {
		t.Fatal("the server saw no signed call")
	}
	for what, s := range map[string]string{"status": st.Err, "logs": logs.String(), "refresh error": rerr.Error(), "exposition": text} {
		for _, f := range forbidden {
			if strings.Contains(s, f) {
				t.Errorf("%s contain %q: %s", what, f, s)
			}
		}
	}
	if logs.Len() == 0 {
		t.Error("a failing server left no log record")
	}
}
