package bbb_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/internal/echotest"
)

// TestNoSecretFromAnEchoingServer: no checksum, secret, password or session
// token the client sent survives in an error or a log record, however the
// server echoes it: in a proxy page (HTML- and JSON-escaped, after an
// earlier '?', percent-encoded), in a FAILED answer's message and legacy
// <errors> list, and in a join redirect's errors.
func TestNoSecretFromAnEchoingServer(t *testing.T) {
	t.Parallel()
	srv := echotest.NewServer(func(w http.ResponseWriter, r *http.Request, e echotest.Echo) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/getMeetings"):
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, `<a href="/x?y=1">see /api/getMeetings?%s</a> {"url":"?%s"} %s`, e.HTML, e.JSON, e.Encoded)
		case strings.HasSuffix(r.URL.Path, "/join"):
			errs := fmt.Sprintf(`[{"key":"checksumError","message":"bad %s"}]`, e.Raw)
			http.Redirect(w, r, "https://h/logout?errors="+url.QueryEscape(errs), http.StatusFound)
		default:
			fmt.Fprintf(w, `<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey>`+
				`<message>you sent ?%s</message><errors><error key="k" message="%s"/></errors></response>`,
				html.EscapeString(e.Raw), html.EscapeString(e.JSON))
		}
	})
	defer srv.Close()
	var logs bytes.Buffer
	c, err := bbb.New(srv.URL+"/bigbluebutton/", testSecret,
		bbb.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var errs []error
	_, err = c.GetMeetings(ctx)
	errs = append(errs, err)
	_, err = c.GetMeetingInfo(ctx, "room-1")
	errs = append(errs, err)
	_, err = c.Join(ctx, &bbb.JoinParams{MeetingID: "room-1", FullName: "Ann", Password: "mod-pass-9x"})
	errs = append(errs, err)
	if n := len(srv.Checksums()); n != 3 {
		t.Fatalf("server saw %d checksums, want 3", n)
	}
	for i, err := range errs {
		if err == nil {
			t.Fatalf("call %d succeeded", i)
		}
		text := err.Error() + fmt.Sprintf(" %+v %#v", err, err)
		var he *bbb.HTTPError
		if errors.As(err, &he) {
			text += he.Snippet
		}
		var ae *bbb.Error
		if errors.As(err, &ae) {
			text += fmt.Sprint(ae.Errors)
		}
		if leaks := srv.Leaks(text, testSecret, "mod-pass-9x"); leaks != nil {
			t.Errorf("call %d: %q in %s", i, leaks, text)
		}
	}
	if leaks := srv.Leaks(logs.String(), testSecret, "mod-pass-9x"); leaks != nil {
		t.Errorf("%q in the log", leaks)
	}
}
