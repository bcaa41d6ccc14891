package webhooks_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/webhooks"
)

// TestClientNoChecksumFromAnEchoingServer: a hooks API that echoes the
// signed query in its FAILED message (XML-escaped, JSON-escaped) leaves no
// checksum or secret in the error or the log.
func TestClientNoChecksumFromAnEchoingServer(t *testing.T) {
	t.Parallel()
	const secret = "hooks-secret-5Tq9"
	var sums []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.RawQuery
		sum, _, _ := checksum.Split(q)
		sums = append(sums, sum)
		fmt.Fprintf(w, "<response><returncode>FAILED</returncode><messageKey>createHookError</messageKey>"+
			"<message>could not create ?%s for %s</message></response>",
			html.EscapeString(q), html.EscapeString(strings.ReplaceAll(q, "&", `\u0026`)))
	}))
	defer srv.Close()
	var logs bytes.Buffer
	c, err := webhooks.New(srv.URL+"/bigbluebutton/", secret,
		bbb.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	_, err = c.Create(context.Background(), webhooks.CreateParams{CallbackURL: "https://app.example/hook"})
	var ae *bbb.Error
	require.ErrorAs(t, err, &ae)
	require.Len(t, sums, 1)
	assert.Contains(t, ae.Message, "callbackURL=")
	for _, s := range []string{sums[0], secret} {
		assert.NotContains(t, err.Error(), s)
		assert.NotContains(t, logs.String(), s)
	}
}

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	for _, o := range []bbb.Option{bbb.WithTimeout(-1), bbb.WithRateLimit(nil), bbb.WithObserver(nil), bbb.WithUserAgent("")} {
		_, err := webhooks.New("https://bbb.example/bigbluebutton/", "s", o)
		var pe *bbb.ParamError
		assert.ErrorAs(t, err, &pe)
	}
	_, err := webhooks.New("bbb.example", "s")
	assert.Error(t, err)
}
