package mirror

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// No error, response body or log line may carry the shared secret or a
// checksum value.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	src, _ := newTree(t, genSpec{Recordings: 1, Seed: 41, Large: 10})
	h, err := NewHandler(src, testSecret)
	require.NoError(t, err)
	var sums []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if i := strings.Index(r.URL.RawQuery, "checksum="); i >= 0 {
			sums = append(sums, r.URL.RawQuery[i+len("checksum="):])
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()

	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	check := func(s string) {
		t.Helper()
		require.NotContains(t, s, testSecret)
		require.NotContains(t, s, "wrong-secret-value")
		for _, sum := range sums {
			require.NotContains(t, s, sum)
		}
	}
	// Wrong secret: the server refuses.
	bad, err := NewHTTPSource(srv.URL, "wrong-secret-value")
	require.NoError(t, err)
	_, err = Sync(context.Background(), bad, t.TempDir())
	require.Error(t, err)
	log.Error("sync failed", "err", err)
	check(err.Error())
	// Unreachable server: the transport error names no URL query.
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	dead, err := NewHTTPSource(down.URL, testSecret)
	require.NoError(t, err)
	_, err = dead.Manifest(context.Background())
	require.Error(t, err)
	require.NotRegexp(t, `checksum=[0-9a-fA-F]`, err.Error())
	check(err.Error())
	// The refusal body.
	resp, err := http.Get(srv.URL + "/manifest?expires=1&checksum=" + strings.Repeat("a", 40))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	check(string(body))
	require.NotContains(t, string(body), strings.Repeat("a", 40))
	check(logs.String())
	require.NotEmpty(t, sums)
}

// An endpoint that echoes the signed query and the secret in its error
// text: the message is redacted before it reaches the error.
func TestHTTPErrorMessageRedacted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, http.StatusUnauthorized, "refused "+r.URL.RawQuery+" with secret "+testSecret)
	}))
	defer srv.Close()
	var infos []RequestInfo
	s, err := NewHTTPSource(srv.URL, testSecret, WithObserver(func(i RequestInfo) { infos = append(infos, i) }))
	require.NoError(t, err)
	_, err = s.Manifest(context.Background())
	var he *HTTPError
	require.ErrorAs(t, err, &he)
	require.ErrorIs(t, err, ErrUnauthorized)
	require.NotContains(t, he.Message, testSecret)
	require.NotRegexp(t, `checksum=[0-9a-f]`, he.Message)
	require.Contains(t, he.Message, "refused")
	require.Len(t, infos, 1, "the observer sees the attempt")
	require.Equal(t, CallManifest, infos[0].Call)
	require.Error(t, infos[0].Err)
}
