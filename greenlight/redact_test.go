package greenlight_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/greenlight"
)

// TestNoSecretFromAnEchoingServer: a Greenlight (or proxy) that echoes the
// request body and the CSRF token in its error codes leaves neither the
// password nor the token in errors or logs.
func TestNoSecretFromAnEchoingServer(t *testing.T) {
	t.Parallel()
	const csrf = "csrf-tok-8Hq2vL0pZx"
	const password = "Sup3r-Secret!pw"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			fmt.Fprintf(w, `<html><head><meta name="csrf-token" content="%s"></head></html>`, csrf)
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		json.NewEncoder(w).Encode(map[string]any{"errors": []string{
			"refused " + string(body), "token " + r.Header.Get("X-CSRF-Token"), "query ?" + r.URL.RawQuery}})
	}))
	defer srv.Close()
	var logs bytes.Buffer
	c, err := greenlight.New(srv.URL, greenlight.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	_, err = c.SignIn(context.Background(), "admin@example.com", password)
	require.ErrorIs(t, err, greenlight.ErrInvalid)
	var ae *greenlight.APIError
	require.ErrorAs(t, err, &ae)
	text := err.Error() + fmt.Sprintf("%+v %#v %v", err, err, ae.Codes)
	for _, s := range []string{password, csrf} {
		assert.NotContains(t, text, s)
		assert.NotContains(t, logs.String(), s)
	}
	assert.Contains(t, text, "REDACTED")
}
