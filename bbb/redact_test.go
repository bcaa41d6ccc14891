package bbb_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// echoServer answers every call with its own query (checksum included)
// echoed in every place a server can put it: a proxy page, HTML-escaped
// and JSON-escaped, after an earlier '?', in a FAILED answer's message, in
// a legacy <errors> list and in a join redirect's errors. It records every
// checksum it was sent.
func echoServer(t *testing.T) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var sums []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.RawQuery
		if sum, _, _ := checksum.Split(q); sum != "" {
			mu.Lock()
			sums = append(sums, sum)
			mu.Unlock()
		}
		amp, js := strings.ReplaceAll(q, "&", "&amp;"), strings.ReplaceAll(q, "&", `\u0026`)
		switch {
		case strings.HasSuffix(r.URL.Path, "/getMeetings"):
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, `<a href="/x?y=1">see /api/getMeetings?%s</a> {"url":"?%s"} %s`, amp, js, url.QueryEscape("?"+q))
		case strings.HasSuffix(r.URL.Path, "/join"):
			errs := fmt.Sprintf(`[{"key":"checksumError","message":"bad %s"}]`, q)
			http.Redirect(w, r, "https://h/logout?errors="+url.QueryEscape(errs), http.StatusFound)
		default:
			fmt.Fprintf(w, `<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey>`+
				`<message>you sent ?%s</message><errors><error key="k" message="%s"/></errors></response>`,
				html.EscapeString(q), html.EscapeString(js))
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), sums...) }
}

// TestNoSecretFromAnEchoingServer: no checksum, secret, password or session
// token the client sent survives in an error or a log record, however the
// server echoes it.
func TestNoSecretFromAnEchoingServer(t *testing.T) {
	t.Parallel()
	srv, sums := echoServer(t)
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
	forbidden := append([]string{testSecret, "mod-pass-9x"}, sums()...)
	if len(forbidden) < 5 {
		t.Fatalf("server saw %d checksums, want 3", len(forbidden)-2)
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
		for _, f := range forbidden {
			if strings.Contains(text, f) {
				t.Errorf("call %d: %q in %s", i, f, text)
			}
		}
	}
	for _, f := range forbidden {
		if strings.Contains(logs.String(), f) {
			t.Errorf("%q in the log", f)
		}
	}
}
