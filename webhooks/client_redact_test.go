package webhooks_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	require.NoError(t, err)
	_, err = c.Create(context.Background(), webhooks.CreateParams{CallbackURL: "https://app.example/hook"})
	var ae *bbb.Error
	require.ErrorAs(t, err, &ae)
	require.Len(t, srv.Checksums(), 1)
	assert.Contains(t, ae.Message, "callbackURL=")
	assert.Empty(t, srv.Leaks(err.Error(), secret))
	assert.Empty(t, srv.Leaks(logs.String(), secret))
}

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	for _, o := range []bbb.Option{bbb.WithTimeout(-1), bbb.WithRateLimit(nil), bbb.WithObserver(nil), bbb.WithUserAgent(""), nil} {
		_, err := webhooks.New("https://bbb.example/bigbluebutton/", "s", o)
		var pe *bbb.ParamError
		assert.ErrorAs(t, err, &pe)
	}
	_, err := webhooks.New("bbb.example", "s")
	assert.Error(t, err)
}
