package scalelite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// TestNoChecksumFromAnEchoingServer: a balancer (or a proxy in front of
// it) that echoes the signed query HTML-escaped, JSON-escaped or after an
// earlier '?' leaves no checksum in errors or logs.
func TestNoChecksumFromAnEchoingServer(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var sums []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.RawQuery
		sum, _, _ := checksum.Split(q)
		mu.Lock()
		sums = append(sums, sum)
		mu.Unlock()
		amp, js := strings.ReplaceAll(q, "&", "&amp;"), strings.ReplaceAll(q, "&", `\u0026`)
		switch r.URL.Path {
		case "/scalelite/api/getServers":
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, `<html><a href="/?x=1">retry /scalelite/api/getServers?%s</a></html>`, amp)
		case "/scalelite/api/getServerInfo":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"error":"no server for ?%s"}`, js)
		default:
			fmt.Fprintf(w, "<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey><message>?%s</message></response>",
				html.EscapeString(js))
		}
	}))
	defer srv.Close()
	var logs bytes.Buffer
	var observed []bbb.RequestInfo
	c, err := New(srv.URL, testSecret, WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		WithObserver(func(ri bbb.RequestInfo) { observed = append(observed, ri) }))
	require.NoError(t, err)
	ctx := context.Background()
	var errs []error
	_, err = c.GetServers(ctx)
	errs = append(errs, err)
	_, err = c.GetServerInfo(ctx, "s1")
	errs = append(errs, err)
	_, err = c.GetTenants(ctx)
	errs = append(errs, err)

	var he *bbb.HTTPError // the shared type: bbb's name matches scalelite's errors
	require.ErrorAs(t, errs[0], &he)
	assert.Contains(t, he.Snippet, "retry /scalelite/api/getServers?")
	assert.ErrorIs(t, errs[1], ErrNotFound)
	assert.ErrorIs(t, errs[2], ErrChecksum)
	require.Len(t, sums, 3)
	for i, err := range errs {
		text := err.Error() + fmt.Sprintf(" %+v %#v", err, err)
		if errors.As(err, &he) {
			text += he.Snippet
		}
		for _, f := range append([]string{testSecret}, sums...) {
			assert.NotContains(t, text, f, "call %d", i)
			assert.NotContains(t, logs.String(), f)
		}
	}
	assert.Len(t, observed, 3)
}
