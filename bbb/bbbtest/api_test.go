package bbbtest

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

func TestChecksumRules(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, WithAcceptedChecksums(checksum.SHA256, checksum.SHA512))
	query := q("meetingID", "x y*~'")
	tests := []struct {
		name string
		raw  string // full raw query after "?"
		key  string
	}{
		{"sha256 ok", query + "&checksum=" + checksum.Sum(checksum.SHA256, "isMeetingRunning", query, s.Secret), ""},
		{"sha512 ok", query + "&checksum=" + checksum.Sum(checksum.SHA512, "isMeetingRunning", query, s.Secret), ""},
		{"upper-case hex ok", query + "&checksum=" + strings.ToUpper(checksum.Sum(checksum.SHA256, "isMeetingRunning", query, s.Secret)), ""},
		{"checksum first", "checksum=" + checksum.Sum(checksum.SHA256, "isMeetingRunning", query, s.Secret) + "&" + query, ""},
		{"sha1 not allowed", query + "&checksum=" + checksum.Sum(checksum.SHA1, "isMeetingRunning", query, s.Secret), "checksumError"},
		{"sha384 not allowed", query + "&checksum=" + checksum.Sum(checksum.SHA384, "isMeetingRunning", query, s.Secret), "checksumError"},
		{"missing", query, "checksumError"},
		{"empty", query + "&checksum=", "checksumError"},
		{"wrong secret", query + "&checksum=" + checksum.Sum(checksum.SHA256, "isMeetingRunning", query, "other"), "checksumError"},
		{"wrong call", query + "&checksum=" + checksum.Sum(checksum.SHA256, "getMeetingInfo", query, s.Secret), "checksumError"},
		{"re-encoded query", strings.ReplaceAll(query, "+", "%20") + "&checksum=" + checksum.Sum(checksum.SHA256, "isMeetingRunning", query, s.Secret), "checksumError"},
		{"odd length", query + "&checksum=abc", "checksumError"},
		{"twice", query + "&checksum=" + checksum.Sum(checksum.SHA256, "isMeetingRunning", query, s.Secret) + "&checksum=" + checksum.Sum(checksum.SHA256, "isMeetingRunning", query, s.Secret), "checksumError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, s.APIURL()+"isMeetingRunning?"+tc.raw, nil)
			a := do(t, s, req)
			if tc.key == "" {
				expectKey(t, a, "SUCCESS", "")
				return
			}
			expectKey(t, a, "FAILED", tc.key)
		})
	}
}

func TestEmptyQueryChecksum(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	for _, alg := range checksum.All {
		req, _ := http.NewRequest(http.MethodGet, signedURL(s, alg, "getMeetings", ""), nil)
		expectKey(t, do(t, s, req), "SUCCESS", "noMeetings")
	}
}

func TestPOSTRules(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	create := q("name", "Post Room", "meetingID", "post-1")
	tests := []struct {
		name        string
		call, query string
		ct          string
		body        string
		status      int
		key         string
	}{
		{"form body unsigned", "create", q("meetingID", "post-2"), "application/x-www-form-urlencoded", "name=Form+Room", 200, ""},
		{"charset parameter accepted", "create", create, "application/x-www-form-urlencoded; charset=UTF-8", "", 200, ""},
		{"no body no content type", "getSessions", "", "", "", 200, "noSessions"},
		{"body without content type", "getMeetings", "", "", "x=1", 200, "unsupportedContentType"},
		{"json not supported", "getMeetings", "", "application/json", "{}", 200, "unsupportedContentType"},
		{"xml not for getMeetings", "getMeetings", "", "application/xml", "<a/>", 200, "unsupportedContentType"},
		{"text/xml not for insertDocument", "insertDocument", q("meetingID", "post-1"), "text/xml", "<modules/>", 200, "unsupportedContentType"},
		{"param in URL and body", "create", create, "application/x-www-form-urlencoded", "name=Other", 200, "checksumError"},
		{"join is GET only", "join", q("fullName", "A", "meetingID", "post-1", "role", "VIEWER"), "", "", 405, ""},
		{"publishRecordings is GET only", "publishRecordings", q("recordID", "x", "publish", "true"), "", "", 405, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := post(t, s, tc.call, tc.query, tc.ct, []byte(tc.body))
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			if tc.status != 200 {
				return
			}
			r := parse(t, a)
			if r.MessageKey != tc.key {
				t.Fatalf("messageKey %q, want %q\n%s", r.MessageKey, tc.key, a.body)
			}
		})
	}
	if _, ok := s.Meeting("post-2"); !ok {
		t.Error("create with a form body did not create the meeting")
	}
}

func TestMethodsAndRoutes(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	req, _ := http.NewRequest(http.MethodPut, signedURL(s, checksum.SHA1, "getMeetings", ""), nil)
	if a := do(t, s, req); a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") != "GET, POST" {
		t.Errorf("PUT getMeetings: %d Allow=%q", a.status, a.header.Get("Allow"))
	}
	req, _ = http.NewRequest(http.MethodGet, signedURL(s, checksum.SHA1, "noSuchCall", ""), nil)
	if a := do(t, s, req); a.status != http.StatusNotFound {
		t.Errorf("unknown call: %d", a.status)
	}
	req, _ = http.NewRequest(http.MethodGet, s.APIURL()+"", nil)
	a := do(t, s, req)
	want := []string{"returncode", "version", "apiVersion", "bbbVersion", "html5PluginSdkVersion", "graphqlWebsocketUrl", "graphqlApiUrl"}
	if got := childNames(t, a.body); !slices.Equal(got, want) {
		t.Errorf("API root elements %v, want %v", got, want)
	}
	if v := xmlField(t, a.body, "bbbVersion"); v != "3.0.19" {
		t.Errorf("bbbVersion %q", v)
	}
}

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	long := strings.Repeat("x", 257)
	tests := []struct {
		name  string
		query string
		key   string
	}{
		{"missing name", q("meetingID", "m-1"), "validationError"},
		{"missing meetingID", q("name", "Room"), "validationError"},
		{"short meetingID", q("name", "Room", "meetingID", "m"), "validationError"},
		{"long meetingID", q("name", "Room", "meetingID", long), "validationError"},
		{"comma in meetingID", q("name", "Room", "meetingID", "a,b"), "validationError"},
		{"comma in name", q("name", "Ro,om", "meetingID", "m-2"), "validationError"},
		{"record not boolean", q("name", "Room", "meetingID", "m-3", "record", "yes"), "validationError"},
		{"voice bridge not integral", q("name", "Room", "meetingID", "m-4", "voiceBridge", "12a45"), "validationError"},
		{"short password", q("name", "Room", "meetingID", "m-5", "attendeePW", "a"), "validationError"},
		{"bad shared notes editor", q("name", "Room", "meetingID", "m-6", "sharedNotesEditor", "vim"), "invalidSharedNotesEditor"},
		{"breakout without parent", q("name", "Room", "meetingID", "m-7", "isBreakout", "true"), "parentMeetingIdMissing"},
		{"breakout with unknown parent", q("name", "Room", "meetingID", "m-8", "isBreakout", "true", "parentMeetingID", "nope"), "parentMeetingDoesNotExist"},
		{"ok", q("name", "Room", "meetingID", "m-9"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := get(t, s, "create", tc.query)
			if tc.key == "" {
				expectKey(t, a, "SUCCESS", "")
				return
			}
			expectKey(t, a, "FAILED", tc.key)
		})
	}
	if n := len(s.Meetings()); n != 1 {
		t.Errorf("%d meetings after the table, want 1", n)
	}
}

func TestCreateSemantics(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	s := newTestServer(t, WithClock(clock.Now))
	a := get(t, s, "create", q("name", "Demo Meeting", "meetingID", "Demo Meeting", "attendeePW", "ap", "moderatorPW", "mp",
		"voiceBridge", "70757", "meta_bbb-origin", "Greenlight", "meta_endCallbackUrl", "https://x/y", "meta_bad_key", "v", "meta_9x", "v"))
	expectKey(t, a, "SUCCESS", "")
	ms := clock.Now().UnixMilli()
	h := sha1.Sum([]byte("Demo Meeting"))
	wantID := hex.EncodeToString(h[:]) + "-" + strconv.FormatInt(ms, 10)
	if got := xmlField(t, a.body, "internalMeetingID"); got != wantID {
		t.Errorf("internalMeetingID %q, want %q", got, wantID)
	}
	if !strings.HasPrefix(wantID, "183f0bf3") {
		t.Errorf("sha1(Demo Meeting) should start with 183f0bf3 (bbb docs), got %s", wantID)
	}
	if got := xmlField(t, a.body, "createDate"); got != "Wed Mar 04 05:06:07 UTC 2026" {
		t.Errorf("createDate %q", got)
	}
	want := []string{"returncode", "meetingID", "internalMeetingID", "parentMeetingID", "attendeePW", "moderatorPW", "createTime", "voiceBridge", "dialNumber", "createDate", "hasUserJoined", "duration", "hasBeenForciblyEnded", "messageKey", "message"}
	if got := childNames(t, a.body); !slices.Equal(got, want) {
		t.Errorf("create elements %v\nwant %v", got, want)
	}
	m, _ := s.Meeting("Demo Meeting")
	wantMeta := map[string]string{"bbb-origin": "Greenlight", "endcallbackurl": "https://x/y"}
	if len(m.Metadata) != len(wantMeta) || m.Metadata["bbb-origin"] != "Greenlight" || m.Metadata["endcallbackurl"] != "https://x/y" {
		t.Errorf("metadata %v, want %v", m.Metadata, wantMeta)
	}

	// Repeat: same passwords or none -> duplicateWarning with the same IDs.
	clock.Advance(time.Second)
	for _, query := range []string{
		q("name", "Demo Meeting", "meetingID", "Demo Meeting", "attendeePW", "ap", "moderatorPW", "mp"),
		q("name", "Demo Meeting", "meetingID", "Demo Meeting"),
	} {
		a = get(t, s, "create", query)
		expectKey(t, a, "SUCCESS", "duplicateWarning")
		if got := xmlField(t, a.body, "internalMeetingID"); got != wantID {
			t.Errorf("repeat changed the internal ID: %s", got)
		}
	}
	// Other passwords -> idNotUnique.
	expectKey(t, get(t, s, "create", q("name", "Demo Meeting", "meetingID", "Demo Meeting", "attendeePW", "other")), "FAILED", "idNotUnique")
	// Voice bridge in use -> nonUniqueVoiceBridge; free again after end.
	expectKey(t, get(t, s, "create", q("name", "Other", "meetingID", "other", "voiceBridge", "70757")), "FAILED", "nonUniqueVoiceBridge")
	expectKey(t, get(t, s, "end", q("meetingID", "Demo Meeting")), "SUCCESS", "sentEndMeetingRequest")
	expectKey(t, get(t, s, "create", q("name", "Other", "meetingID", "other", "voiceBridge", "70757")), "SUCCESS", "")
	// Re-create after end: a new internal ID.
	a = get(t, s, "create", q("name", "Demo Meeting", "meetingID", "Demo Meeting"))
	expectKey(t, a, "SUCCESS", "")
	if got := xmlField(t, a.body, "internalMeetingID"); got == wantID {
		t.Error("re-created meeting kept the old internal ID")
	}
	if got := xmlField(t, a.body, "attendeePW"); got != "" {
		t.Errorf("meeting without passwords printed attendeePW %q", got)
	}
}

func TestCreateWithModules(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	body := `<modules><module name="presentation"><document url="https://example.com/a.pdf" filename="a.pdf" downloadable="true"/><document name="b.pdf">SGVsbG8=</document></module></modules>`
	a := post(t, s, "create", q("name", "Docs", "meetingID", "docs"), "application/xml", []byte(body))
	expectKey(t, a, "SUCCESS", "")
	a = post(t, s, "insertDocument", q("meetingID", "docs"), "application/xml", []byte(`<modules><module name="presentation"><document url="https://example.com/c.pdf" filename="c.pdf"/></module></modules>`))
	expectKey(t, a, "SUCCESS", "")
	if got := xmlField(t, a.body, "message"); got != "Presentation is being uploaded" {
		t.Errorf("insertDocument message %q", got)
	}
	m, _ := s.Meeting("docs")
	if len(m.Documents) != 3 || m.Documents[0].URL != "https://example.com/a.pdf" || !m.Documents[0].Downloadable ||
		!m.Documents[1].Embedded || m.Documents[1].Filename != "b.pdf" || m.Documents[2].Filename != "c.pdf" {
		t.Errorf("documents %+v", m.Documents)
	}
	expectKey(t, post(t, s, "insertDocument", q("meetingID", "nope"), "application/xml", []byte(body)), "FAILED", "notFound")
	expectKey(t, post(t, s, "insertDocument", q("meetingID", "docs"), "application/xml", []byte("<modules>")), "FAILED", "validationError")
	expectKey(t, post(t, s, "create", q("name", "Docs", "meetingID", "docs2"), "application/xml", []byte("<modules")), "FAILED", "validationError")
}

func TestJoin(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, WithSeed(7))
	expectKey(t, get(t, s, "create", q("name", "Join Room", "meetingID", "join-1", "attendeePW", "ap", "moderatorPW", "mp", "maxParticipants", "2", "logoutURL", "https://portal.example/bye")), "SUCCESS", "")
	expectKey(t, get(t, s, "create", q("name", "No Passwords", "meetingID", "join-2")), "SUCCESS", "")
	ct := xmlField(t, get(t, s, "getMeetingInfo", q("meetingID", "join-1")).body, "createTime")

	// redirect=false: XML with a session token; the user is an attendee.
	a := get(t, s, "join", q("fullName", "Alice", "meetingID", "join-1", "password", "mp", "userID", "alice", "redirect", "false", "createTime", ct, "userdata-bbb_custom", "1", "userdata-a-b", "dropped"))
	expectKey(t, a, "SUCCESS", "successfullyJoined")
	want := []string{"returncode", "messageKey", "message", "meeting_id", "user_id", "auth_token", "session_token", "guestStatus", "url"}
	if got := childNames(t, a.body); !slices.Equal(got, want) {
		t.Errorf("join elements %v", got)
	}
	tok := xmlField(t, a.body, "session_token")
	if len(tok) != 16 || !strings.HasSuffix(xmlField(t, a.body, "url"), "sessionToken="+tok) {
		t.Errorf("session token %q, url %q", tok, xmlField(t, a.body, "url"))
	}
	m, _ := s.Meeting("join-1")
	if !m.Running || len(m.Attendees) != 1 || m.Attendees[0].Role != "MODERATOR" || m.Attendees[0].UserID != "alice" ||
		m.Attendees[0].CustomData["bbb_custom"] != "1" || len(m.Attendees[0].CustomData) != 1 || !m.Attendees[0].Presenter {
		t.Errorf("after join: %+v", m)
	}
	if r := xmlField(t, get(t, s, "isMeetingRunning", q("meetingID", "join-1")).body, "running"); r != "true" {
		t.Errorf("running %q after join", r)
	}

	// Default redirect: 302 to the client.
	a = get(t, s, "join", q("fullName", "Bob", "meetingID", "join-1", "password", "ap"))
	if a.status != http.StatusFound || !strings.Contains(a.header.Get("Location"), "/html5client/join?sessionToken=") {
		t.Errorf("join redirect: %d %q", a.status, a.header.Get("Location"))
	}

	tests := []struct {
		name     string
		query    string
		redirect bool
		key      string
	}{
		{"wrong password", q("fullName", "C", "meetingID", "join-1", "password", "nope", "redirect", "false"), false, "invalidPassword"},
		{"no role without passwords", q("fullName", "C", "meetingID", "join-2", "redirect", "false"), false, "Params required"},
		{"full meeting", q("fullName", "C", "meetingID", "join-1", "role", "viewer", "redirect", "false"), true, "maxParticipantsReached"},
		{"unknown meeting", q("fullName", "C", "meetingID", "nope", "role", "VIEWER", "redirect", "false"), true, "notFound"},
		{"createTime mismatch", q("fullName", "C", "meetingID", "join-2", "role", "VIEWER", "createTime", "1", "redirect", "false"), true, "mismatchCreateTimeParam"},
		{"missing name", q("meetingID", "join-2", "role", "VIEWER"), true, "validationError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := get(t, s, "join", tc.query)
			if !tc.redirect {
				expectKey(t, a, "FAILED", tc.key)
				return
			}
			if a.status != http.StatusFound {
				t.Fatalf("status %d, want a redirect: %s", a.status, a.body)
			}
			loc, err := url.Parse(a.header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			var errs []struct{ Key, Message string }
			if err := json.Unmarshal([]byte(loc.Query().Get("errors")), &errs); err != nil || len(errs) != 1 || errs[0].Key != tc.key {
				t.Fatalf("errors=%q (%v), want key %s", loc.Query().Get("errors"), err, tc.key)
			}
		})
	}
	// The logout URL of the meeting receives validation failures.
	a = get(t, s, "join", q("fullName", "C", "meetingID", "join-1", "role", "VIEWER"))
	if !strings.HasPrefix(a.header.Get("Location"), "https://portal.example/bye?errors=") {
		t.Errorf("error redirect to %q", a.header.Get("Location"))
	}
	// Role without password works on a meeting without passwords.
	expectKey(t, get(t, s, "join", q("fullName", "D", "meetingID", "join-2", "role", "moderator", "redirect", "false")), "SUCCESS", "successfullyJoined")
}

func TestMeetingInfoAndLists(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	expectKey(t, get(t, s, "getMeetings", ""), "SUCCESS", "noMeetings")
	expectKey(t, get(t, s, "getSessions", ""), "SUCCESS", "noSessions")
	expectKey(t, get(t, s, "getMeetingInfo", q("meetingID", "nope")), "FAILED", "notFound")
	expectKey(t, get(t, s, "getMeetingInfo", ""), "FAILED", "validationError")
	expectKey(t, get(t, s, "end", q("meetingID", "nope")), "FAILED", "notFound")
	if r := xmlField(t, get(t, s, "isMeetingRunning", q("meetingID", "nope")).body, "running"); r != "false" {
		t.Errorf("unknown meeting running=%q", r)
	}

	a := get(t, s, "create", q("name", "Parent", "meetingID", "parent", "record", "true", "meta_a", "1"))
	parentInt := xmlField(t, a.body, "internalMeetingID")
	expectKey(t, get(t, s, "create", q("name", "Room 1", "meetingID", "parent-b1", "isBreakout", "true", "parentMeetingID", parentInt, "sequence", "1", "freeJoin", "true")), "SUCCESS", "")
	if _, err := s.Join("parent", User{FullName: "Ann", Role: "MODERATOR", Voice: true, Video: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Join("parent", User{FullName: "Ben", ListenOnly: true, CustomData: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	a = get(t, s, "getMeetingInfo", q("meetingID", "parent"))
	want := []string{"returncode", "meetingName", "meetingID", "internalMeetingID", "createTime", "createDate", "voiceBridge", "dialNumber", "running", "duration", "hasUserJoined", "recording", "hasBeenForciblyEnded", "startTime", "endTime", "participantCount", "listenerCount", "voiceParticipantCount", "videoCount", "maxUsers", "moderatorCount", "attendees", "metadata", "isBreakout", "breakoutRooms"}
	if got := childNames(t, a.body); !slices.Equal(got, want) {
		t.Errorf("getMeetingInfo elements\n%v\nwant\n%v", got, want)
	}
	for field, v := range map[string]string{"participantCount": "2", "listenerCount": "1", "voiceParticipantCount": "1", "videoCount": "1", "moderatorCount": "1", "recording": "true", "a": "1", "breakout": ""} {
		if field == "breakout" {
			continue
		}
		if got := xmlField(t, a.body, field); got != v {
			t.Errorf("%s = %q, want %q", field, got, v)
		}
	}
	a = get(t, s, "getMeetingInfo", q("meetingID", "parent-b1"))
	if got := childNames(t, a.body); !slices.Contains(got, "parentMeetingID") || !slices.Contains(got, "sequence") || xmlField(t, a.body, "parentMeetingID") != parentInt {
		t.Errorf("breakout info: %s", a.body)
	}
	a = get(t, s, "getMeetings", "")
	if n := strings.Count(string(a.body), "<meeting>"); n != 2 {
		t.Errorf("getMeetings lists %d meetings", n)
	}
	a = get(t, s, "getSessions", "")
	if n := strings.Count(string(a.body), "<userName>"); n != 2 {
		t.Errorf("getSessions lists %d sessions: %s", n, a.body)
	}
	// Ending the parent ends its breakout rooms.
	expectKey(t, get(t, s, "end", q("meetingID", "parent")), "SUCCESS", "sentEndMeetingRequest")
	expectKey(t, get(t, s, "getMeetings", ""), "SUCCESS", "noMeetings")
}

func TestSendChatMessage(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	expectKey(t, get(t, s, "create", q("name", "Chat", "meetingID", "chat")), "SUCCESS", "")
	expectKey(t, get(t, s, "sendChatMessage", q("meetingID", "chat", "message", "hello <all>")), "SUCCESS", "")
	expectKey(t, get(t, s, "sendChatMessage", q("meetingID", "chat", "message", "")), "FAILED", "validationError")
	expectKey(t, get(t, s, "sendChatMessage", q("meetingID", "chat", "message", strings.Repeat("é", 501))), "FAILED", "validationError")
	expectKey(t, get(t, s, "sendChatMessage", q("meetingID", "nope", "message", "x")), "FAILED", "meetingNotFound")
	m, _ := s.Meeting("chat")
	if len(m.Chat) != 1 || m.Chat[0].UserName != "System" || m.Chat[0].Message != "hello <all>" {
		t.Errorf("chat %+v", m.Chat)
	}
}

func TestGetJoinURLAndSignOut(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	expectKey(t, get(t, s, "create", q("name", "Sessions", "meetingID", "sess")), "SUCCESS", "")
	ju, err := s.Join("sess", User{FullName: "Eve", Role: "MODERATOR", UserID: "eve"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, s.APIURL()+"getJoinUrl?sessionToken="+ju.SessionToken+"&sessionName=tablet", nil)
	a := do(t, s, req)
	var out struct {
		Response struct{ ReturnCode, Message, URL string } `json:"response"`
	}
	if err := json.Unmarshal(a.body, &out); err != nil || out.Response.ReturnCode != "SUCCESS" {
		t.Fatalf("getJoinUrl: %v %s", err, a.body)
	}
	u, err := url.Parse(out.Response.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := checksum.Verify("join", u.RawQuery, s.Secret); err != nil {
		t.Errorf("getJoinUrl URL does not verify: %v", err)
	}
	if u.Query().Get("existingUserID") != "eve" || u.Query().Get("sessionName") != "tablet" {
		t.Errorf("getJoinUrl URL query %v", u.Query())
	}
	// Following that URL re-joins the same user.
	req, _ = http.NewRequest(http.MethodGet, out.Response.URL, nil)
	if a := do(t, s, req); a.status != http.StatusFound {
		t.Errorf("join through getJoinUrl URL: %d %s", a.status, a.body)
	}
	if m, _ := s.Meeting("sess"); len(m.Attendees) != 1 {
		t.Errorf("re-join duplicated the user: %+v", m.Attendees)
	}
	req, _ = http.NewRequest(http.MethodGet, s.APIURL()+"getJoinUrl?sessionToken=bogus", nil)
	if err := json.Unmarshal(do(t, s, req).body, &out); err != nil || out.Response.ReturnCode != "FAILED" {
		t.Errorf("bogus token: %+v", out)
	}
	m, _ := s.Meeting("sess")
	req, _ = http.NewRequest(http.MethodGet, s.APIURL()+"signOut?sessionToken="+sessionOf(s, "sess", m.Attendees[0].InternalUserID), nil)
	expectKey(t, do(t, s, req), "SUCCESS", "")
	if m, _ := s.Meeting("sess"); len(m.Attendees) != 0 {
		t.Errorf("signOut left attendees %+v", m.Attendees)
	}
}

func sessionOf(s *Server, meetingID, intUserID string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, u := range s.byExternal[meetingID].users {
		if u.intID == intUserID {
			return u.sessionToken
		}
	}
	return ""
}

func TestRefusalsInTheCallsFormat(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	// join: a checksum failure is a redirect with errors=, like every
	// validation failure of join.
	req, _ := http.NewRequest(http.MethodGet, s.APIURL()+"join?fullName=A&meetingID=m&role=VIEWER&checksum=00", nil)
	a := do(t, s, req)
	loc, _ := url.Parse(a.header.Get("Location"))
	if a.status != http.StatusFound || !strings.Contains(loc.Query().Get("errors"), `"key":"checksumError"`) {
		t.Errorf("join checksum failure: %d %q", a.status, a.header.Get("Location"))
	}
	// text tracks: JSON.
	req, _ = http.NewRequest(http.MethodGet, s.APIURL()+"getRecordingTextTracks?recordID=r&checksum=00", nil)
	a = do(t, s, req)
	var out struct{ Response map[string]string }
	if err := json.Unmarshal(a.body, &out); err != nil || out.Response["messageKey"] != "checksumError" {
		t.Errorf("text tracks checksum failure: %s", a.body)
	}
	a = post(t, s, "putRecordingTextTrack", q("recordID", "r", "kind", "captions", "lang", "en"), "text/plain", []byte("x"))
	if err := json.Unmarshal(a.body, &out); err != nil || out.Response["messageKey"] != "unsupportedContentType" {
		t.Errorf("text track content type: %s", a.body)
	}
}

func TestGuestWaitingRoom(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	expectKey(t, get(t, s, "create", q("name", "Lobby", "meetingID", "lobby", "guestPolicy", "ASK_MODERATOR")), "SUCCESS", "")
	expectKey(t, get(t, s, "create", q("name", "Closed", "meetingID", "closed", "guestPolicy", "ALWAYS_DENY")), "SUCCESS", "")
	a := get(t, s, "join", q("fullName", "Guest", "meetingID", "lobby", "role", "VIEWER", "guest", "true", "userID", "g1", "redirect", "false"))
	expectKey(t, a, "SUCCESS", "guestWait")
	if xmlField(t, a.body, "guestStatus") != "WAIT" || !strings.Contains(xmlField(t, a.body, "url"), "/guestWait?sessionToken=") {
		t.Errorf("guest join: %s", a.body)
	}
	a = get(t, s, "join", q("fullName", "Guest 2", "meetingID", "lobby", "role", "VIEWER", "guest", "true", "userID", "g2"))
	if a.status != http.StatusFound || !strings.Contains(a.header.Get("Location"), "/guestWait?") {
		t.Errorf("guest redirect: %d %s", a.status, a.header.Get("Location"))
	}
	expectKey(t, get(t, s, "join", q("fullName", "Member", "meetingID", "lobby", "role", "MODERATOR", "redirect", "false")), "SUCCESS", "successfullyJoined")
	m, _ := s.Meeting("lobby")
	if len(m.Attendees) != 1 || len(m.WaitingGuests) != 2 {
		t.Fatalf("attendees %+v waiting %+v", m.Attendees, m.WaitingGuests)
	}
	if err := s.AdmitGuest("lobby", "g1", true); err != nil {
		t.Fatal(err)
	}
	if err := s.AdmitGuest("lobby", "g2", false); err != nil {
		t.Fatal(err)
	}
	if err := s.AdmitGuest("lobby", "g2", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("admit a turned-away guest: %v", err)
	}
	m, _ = s.Meeting("lobby")
	if len(m.Attendees) != 2 || m.Attendees[1].UserID != "g1" || len(m.WaitingGuests) != 0 {
		t.Errorf("after admission: %+v %+v", m.Attendees, m.WaitingGuests)
	}
	a = get(t, s, "join", q("fullName", "Guest", "meetingID", "closed", "role", "VIEWER", "guest", "true"))
	if a.status != http.StatusFound || !strings.Contains(a.header.Get("Location"), "guestDeniedAccess") {
		t.Errorf("ALWAYS_DENY: %d %s", a.status, a.header.Get("Location"))
	}
}
