package scalelite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/internal/echotest"
)

// TestNoChecksumFromAnEchoingServer: a balancer (or a proxy in front of
// it) that echoes the signed query HTML-escaped, JSON-escaped or after an
// earlier '?' leaves no checksum in errors or logs.
func TestNoChecksumFromAnEchoingServer(t *testing.T) {
	t.Parallel()
	srv := echotest.NewServer(func(w http.ResponseWriter, r *http.Request, e echotest.Echo) {
		switch r.URL.Path {
		case "/scalelite/api/getServers":
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, `<html><a href="/?x=1">retry /scalelite/api/getServers?%s</a></html>`, e.HTML)
		case "/scalelite/api/getServerInfo":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"error":"no server for ?%s"}`, e.JSON)
		default:
			fmt.Fprintf(w, "<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey><message>?%s</message></response>",
				html.EscapeString(e.JSON))
		}
	})
	defer srv.Close()
	var logs bytes.Buffer
	var observed []bbb.RequestInfo
	c, err := New(srv.URL, testSecret, bbb.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		bbb.WithObserver(func(ri bbb.RequestInfo) { observed = append(observed, ri) }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var errs []error
	_, err = c.GetServers(ctx)
	errs = append(errs, err)
	_, err = c.GetServerInfo(ctx, "s1")
	errs = append(errs, err)
	_, err = c.GetTenants(ctx)
	errs = append(errs, err)

	var he *bbb.HTTPError // the shared type: bbb's name matches scalelite's errors
	if !errors.As(errs[0], &he) || !strings.Contains(he.Snippet, "retry /scalelite/api/getServers?") {
		t.Fatalf("GetServers() = %v; want an HTTPError keeping the page's text", errs[0])
	}
	if !errors.Is(errs[1], ErrNotFound) || !errors.Is(errs[2], ErrChecksum) {
		t.Errorf("GetServerInfo, GetTenants = %v, %v; want ErrNotFound, ErrChecksum", errs[1], errs[2])
	}
	if n := len(srv.Checksums()); n != 3 {
		t.Fatalf("server saw %d checksums; want 3", n)
	}
	for i, err := range errs {
		text := err.Error() + fmt.Sprintf(" %+v %#v", err, err)
		if errors.As(err, &he) {
			text += he.Snippet
		}
		if leaks := srv.Leaks(text, testSecret); leaks != nil {
			t.Errorf("call %d: error holds %q: %s", i, leaks, text)
		}
	}
	if leaks := srv.Leaks(logs.String(), testSecret); leaks != nil {
		t.Errorf("log holds %q", leaks)
	}
	if len(observed) != 3 {
		t.Errorf("observer saw %d attempts; want 3", len(observed))
	}
}
