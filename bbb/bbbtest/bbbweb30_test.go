package bbbtest

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// bbb-web 3.0 answers duplicateWarning to a repeated create only when both
// passwords match the meeting's or neither is given (ApiController.create:
// equal attendeePW and moderatorPW, or !attendeePW && !moderatorPW);
// anything else is idNotUnique.
func TestCreateRepeatNeedsBothPasswordsOrNone(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	first := q("name", "Room", "meetingID", "room", "attendeePW", "ap", "moderatorPW", "mp")
	expectKey(t, get(t, s, "create", first), "SUCCESS", "")
	for _, tc := range []struct {
		query, key string
	}{
		{first, "duplicateWarning"},
		{q("name", "Room", "meetingID", "room"), "duplicateWarning"},
		{q("name", "Room", "meetingID", "room", "attendeePW", "", "moderatorPW", ""), "duplicateWarning"},
		{q("name", "Room", "meetingID", "room", "attendeePW", "ap"), "idNotUnique"},
		{q("name", "Room", "meetingID", "room", "moderatorPW", "mp"), "idNotUnique"},
		{q("name", "Room", "meetingID", "room", "attendeePW", "ap", "moderatorPW", "other"), "idNotUnique"},
	} {
		a := get(t, s, "create", tc.query)
		want := "SUCCESS"
		if tc.key == "idNotUnique" {
			want = "FAILED"
		}
		expectKey(t, a, want, tc.key)
	}
}

// The 3.0 API root carries html5PluginSdkVersion after bbbVersion, as a
// 3.0.19 server answers.
func TestAPIRootHasPluginSDKVersion(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, WithHTML5PluginSdkVersion("0.1.17"))
	req, _ := http.NewRequest(http.MethodGet, s.APIURL(), nil)
	a := do(t, s, req)
	want := []string{"returncode", "version", "apiVersion", "bbbVersion", "html5PluginSdkVersion", "graphqlWebsocketUrl", "graphqlApiUrl"}
	if got := childNames(t, a.body); !slices.Equal(got, want) {
		t.Errorf("API root elements %v\nwant %v", got, want)
	}
	if v := xmlField(t, a.body, "html5PluginSdkVersion"); v != "0.1.17" {
		t.Errorf("html5PluginSdkVersion = %q", v)
	}
	if _, err := New(WithHTML5PluginSdkVersion("")); err == nil {
		t.Error("an empty plugin SDK version was accepted")
	}
}

// sendChatMessage to a meeting that is not running answers what a 3.0
// server answers: meetingNotFound, "Meeting not found or not active".
func TestSendChatMessageUnknownMeeting(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	a := get(t, s, "sendChatMessage", q("meetingID", "nope", "message", "hi"))
	expectKey(t, a, "FAILED", "meetingNotFound")
	if r := parse(t, a); r.Message != "Meeting not found or not active" {
		t.Errorf("message %q", r.Message)
	}
}

// A join with a bad checksum is not signed, so its errorRedirectUrl is
// anybody's: the fake redirects there only when the URL is on the
// WithErrorRedirectAllowList, and to its own origin otherwise. A signed
// join that fails still goes to its errorRedirectUrl, as in bbb-web 3.0.
func TestJoinBadChecksumRedirectsOnlyToAllowedURLs(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, WithErrorRedirectAllowList("https://lms.example.com/bbb/"))
	badJoin := func(target string) string {
		t.Helper()
		query := q("fullName", "A", "meetingID", "m", "role", "VIEWER", "errorRedirectUrl", target)
		req, _ := http.NewRequest(http.MethodGet, s.APIURL()+"join?"+query+"&checksum=0000000000000000000000000000000000000000", nil)
		a := do(t, s, req)
		if a.status != http.StatusFound {
			t.Fatalf("status %d", a.status)
		}
		loc := a.header.Get("Location")
		if !strings.Contains(loc, "checksumError") {
			t.Errorf("Location %q lacks the error", loc)
		}
		return loc
	}
	for _, evil := range []string{"https://evil.example/phish", "https://lms.example.com/other", "https://lms.example.com.evil.example/bbb/", "http://lms.example.com/bbb/x"} {
		if loc := badJoin(evil); !strings.HasPrefix(loc, s.URL+"?errors=") {
			t.Errorf("bad-checksum join redirected to %q (want the server's origin)", loc)
		}
	}
	if loc := badJoin("https://lms.example.com/bbb/error?x=1"); !strings.HasPrefix(loc, "https://lms.example.com/bbb/error?x=1&errors=") {
		t.Errorf("allow-listed target not used: %q", loc)
	}
	// Signed: the caller chose the target.
	a := get(t, s, "join", q("fullName", "A", "meetingID", "missing", "role", "VIEWER", "errorRedirectUrl", "https://app.example/err"))
	if loc := a.header.Get("Location"); a.status != http.StatusFound || !strings.HasPrefix(loc, "https://app.example/err?errors=") {
		t.Errorf("signed join failure: %d %q", a.status, loc)
	}
	for _, bad := range []string{"", "/relative", "ftp://x/", "https://"} {
		if _, err := New(WithErrorRedirectAllowList(bad)); err == nil {
			t.Errorf("allow-list entry %q accepted", bad)
		}
	}
}

// WithHooksSHA1Only makes hooks/* behave like bbb-webhooks before BBB 3.0:
// SHA-1 works, SHA-256 is a checksumError; the BBB API is unaffected.
func TestHooksSHA1Only(t *testing.T) {
	t.Parallel()
	for _, sha1Only := range []bool{false, true} {
		var opts []Option
		if sha1Only {
			opts = append(opts, WithHooksSHA1Only())
		}
		s := newTestServer(t, opts...)
		query := q("callbackURL", "http://127.0.0.1:9/hook")
		req, _ := http.NewRequest(http.MethodGet, signedURL(s, checksum.SHA256, "hooks/create", query), nil)
		r := parse(t, do(t, s, req))
		if sha1Only != (r.ReturnCode == "FAILED" && r.MessageKey == "checksumError") {
			t.Errorf("sha1Only=%v: SHA-256 hooks/create answered %s/%s", sha1Only, r.ReturnCode, r.MessageKey)
		}
		req, _ = http.NewRequest(http.MethodGet, signedURL(s, checksum.SHA1, "hooks/list", ""), nil)
		if r := parse(t, do(t, s, req)); r.ReturnCode != "SUCCESS" {
			t.Errorf("sha1Only=%v: SHA-1 hooks/list answered %s/%s", sha1Only, r.ReturnCode, r.MessageKey)
		}
		expectKey(t, get(t, s, "getMeetings", ""), "SUCCESS", "noMeetings")
	}
}
