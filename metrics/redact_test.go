package metrics

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/internal/echotest"
)

// TestExporterLogsNoEchoedChecksum: a server that echoes each signed query
// (HTML- and JSON-escaped) in its FAILED answers leaves no checksum in the
// exporter's logs, status, refresh error or exposition.
func TestExporterLogsNoEchoedChecksum(t *testing.T) {
	t.Parallel()
	srv := echotest.NewServer(func(w http.ResponseWriter, r *http.Request, e echotest.Echo) {
		fmt.Fprintf(w, "<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey>"+
			"<message>?%s or %s</message></response>", e.HTML, e.JSON)
	})
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
	col.Close() // waits for the background refresh, the other writer of logs
	if len(srv.Checksums()) == 0 || logs.Len() == 0 {
		t.Fatal("the server saw no signed call, or the failure was not logged")
	}
	st := col.Status()[0]
	for what, s := range map[string]string{"status": st.Err, "logs": logs.String(), "refresh error": rerr.Error(), "exposition": text} {
		if leaks := srv.Leaks(s, "exporter-secret-31"); leaks != nil {
			t.Errorf("%s contain %q: %s", what, leaks, s)
		}
	}
}
