package webhooks_test

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
	"github.com/bbbkit/bbbkit/webhooks"
)

// TestClientNoChecksumFromAnEchoingServer: a hooks API that echoes the
// signed query in its FAILED message (XML-escaped, JSON-escaped) leaves no
// checksum or secret in the error or the log.
func TestClientNoChecksumFromAnEchoingServer(t *testing.T) {
	t.Parallel()
	const secret = "hooks-secret-5Tq9"
	srv := echotest.NewServer(func(w http.ResponseWriter, r *http.Request, e echotest.Echo) {
		fmt.Fprintf(w, "<response><returncode>FAILED</returncode><messageKey>createHookError</messageKey>"+
			"<message>could not create ?%s for %s</message></response>", html.EscapeString(e.Raw), html.EscapeString(e.JSON))
	})
	defer srv.Close()
	var logs bytes.Buffer
	c, err := webhooks.New(srv.URL+"/bigbluebutton/", secret,
		bbb.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Create(context.Background(), webhooks.CreateParams{CallbackURL: "https://app.example/hook"})
	var ae *bbb.Error
	if !errors.As(err, &ae) || len(srv.Checksums()) == 0 {
		t.Fatalf("Create() = %v; want a *bbb.Error after a signed call", err)
	}
	if !strings.Contains(ae.Message, "callbackURL=") {
		t.Errorf("message %q lost the harmless part of the echo", ae.Message)
	}
	for what, s := range map[string]string{"error": err.Error(), "log": logs.String()} {
		if leaks := srv.Leaks(s, secret); leaks != nil {
			t.Errorf("%s holds %q: %s", what, leaks, s)
		}
	}
}

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	for _, o := range []bbb.Option{bbb.WithTimeout(-1), bbb.WithRateLimit(nil), bbb.WithObserver(nil), bbb.WithUserAgent(""), nil} {
		_, err := webhooks.New("https://bbb.example/bigbluebutton/", "s", o)
		var pe *bbb.ParamError
		if !errors.As(err, &pe) {
			t.Errorf("New(..., bad option) = %v; want a *bbb.ParamError", err)
		}
	}
	if _, err := webhooks.New("bbb.example", "s"); err == nil {
		t.Error(`New("bbb.example") = nil error; want one for a URL without scheme`)
	}
}
