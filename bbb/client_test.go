package bbb_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
)

func TestNewNormalizesBaseURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://bbb.example.org/bigbluebutton":      "https://bbb.example.org/bigbluebutton/api/",
		"https://bbb.example.org/bigbluebutton/":     "https://bbb.example.org/bigbluebutton/api/",
		"https://bbb.example.org/bigbluebutton/api":  "https://bbb.example.org/bigbluebutton/api/",
		"https://bbb.example.org/bigbluebutton/api/": "https://bbb.example.org/bigbluebutton/api/",
		"http://127.0.0.1:8090/bigbluebutton/api//":  "http://127.0.0.1:8090/bigbluebutton/api/",
	} {
		c, err := bbb.New(in, "s")
		if err != nil {
			t.Fatalf("New(%q): %v", in, err)
		}
		if c.APIURL() != want {
			t.Errorf("New(%q).APIURL() = %q, want %q", in, c.APIURL(), want)
		}
	}
	for _, bad := range []string{"", "bbb.example.org", "ftp://x/", "https://x/b?secret=1", "https://user:pw@x/b"} {
		_, err := bbb.New(bad, "s")
		var pe *bbb.ParamError
		if !errors.As(err, &pe) {
			t.Errorf("New(%q): %v, want *ParamError", bad, err)
		}
	}
	if _, err := bbb.New("https://x/bigbluebutton", "  "); err == nil {
		t.Error("empty secret accepted")
	}
	if _, err := bbb.New("https://x/bigbluebutton", "s", bbb.WithChecksum(checksum.Algorithm(7))); err == nil {
		t.Error("invalid algorithm accepted")
	}
}

// Every call is checked against the fake with every checksum algorithm: the
// fake verifies the checksum independently and answers checksumError when it
// does not hold.
func TestEveryCallEveryAlgorithm(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{
		"create":                 {file: "create.xml"},
		"end":                    {file: "end.xml"},
		"isMeetingRunning":       {file: "is_meeting_running.xml"},
		"getMeetings":            {file: "get_meetings.xml"},
		"getMeetingInfo":         {file: "get_meeting_info.xml"},
		"getSessions":            {file: "get_sessions.xml"},
		"getRecordings":          {file: "get_recordings.xml"},
		"publishRecordings":      {file: "publish.xml"},
		"deleteRecordings":       {file: "delete.xml"},
		"updateRecordings":       {file: "update.xml"},
		"getRecordingTextTracks": {file: "text_tracks.json"},
		"putRecordingTextTrack":  {method: "POST", contentType: "multipart/form-data", file: "put_text_track.json"},
		"insertDocument":         {method: "POST", contentType: "application/xml", file: "success.xml"},
		"sendChatMessage":        {file: "success.xml"},
		"join":                   {file: "join.xml"},
	})
	ctx := context.Background()
	for _, alg := range checksum.All {
		t.Run(alg.String(), func(t *testing.T) {
			c := f.client(t, bbb.WithChecksum(alg))
			steps := []struct {
				call string
				run  func() error
			}{
				{"create", func() error {
					_, err := c.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "Physics 101", MeetingID: "room-42"})
					return err
				}},
				{"end", func() error { return c.EndMeeting(ctx, "room-42") }},
				{"isMeetingRunning", func() error { _, err := c.IsMeetingRunning(ctx, "room-42"); return err }},
				{"getMeetings", func() error { _, err := c.GetMeetings(ctx); return err }},
				{"getMeetingInfo", func() error { _, err := c.GetMeetingInfo(ctx, "room-42"); return err }},
				{"getSessions", func() error { _, err := c.GetSessions(ctx); return err }},
				{"getRecordings", func() error { _, err := c.GetRecordings(ctx, nil); return err }},
				{"publishRecordings", func() error { _, err := c.PublishRecordings(ctx, []string{"r1"}, true); return err }},
				{"deleteRecordings", func() error { _, err := c.DeleteRecordings(ctx, []string{"r1"}); return err }},
				{"updateRecordings", func() error {
					_, err := c.UpdateRecordings(ctx, []string{"r1"}, map[string]string{"name": "x"})
					return err
				}},
				{"getRecordingTextTracks", func() error { _, err := c.GetRecordingTextTracks(ctx, "r1"); return err }},
				{"putRecordingTextTrack", func() error {
					_, err := c.PutRecordingTextTrack(ctx, &bbb.PutTextTrackParams{RecordID: "r1", Kind: "subtitles", Lang: "en-US", File: strings.NewReader("WEBVTT\n")})
					return err
				}},
				{"insertDocument", func() error {
					return c.InsertDocument(ctx, "room-42", []bbb.Document{{URL: "https://files.example.org/a.pdf"}})
				}},
				{"sendChatMessage", func() error {
					return c.SendChatMessage(ctx, &bbb.SendChatMessageParams{MeetingID: "room-42", Message: "Hallo Welt"})
				}},
				{"join", func() error {
					_, err := c.Join(ctx, &bbb.JoinParams{FullName: "Alice", MeetingID: "room-42", Role: bbb.RoleModerator})
					return err
				}},
			}
			for _, s := range steps {
				if err := s.run(); err != nil {
					t.Errorf("%s: %v", s.call, err)
					continue
				}
				r := f.last(t)
				if r.call != s.call {
					t.Errorf("request went to %q, want %q", r.call, s.call)
				}
				if r.algorithm != alg.String() {
					t.Errorf("%s: signed with %s, want %s", s.call, r.algorithm, alg)
				}
			}
		})
	}
}

func TestCreateMeetingParameters(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{"create": {file: "create.xml"}})
	c := f.client(t)
	resp, err := c.CreateMeeting(context.Background(), &bbb.CreateMeetingParams{
		Name:                   "Physics 101 & Lab",
		MeetingID:              "room 42/ä*~",
		Record:                 bbb.Bool(true),
		AutoStartRecording:     bbb.Bool(false),
		MaxParticipants:        50,
		GuestPolicy:            bbb.GuestAskModerator,
		MeetingLayout:          bbb.LayoutSmart,
		DisabledFeatures:       []string{bbb.FeatureChat, bbb.FeaturePolls},
		LockSettingsDisableCam: bbb.Bool(true),
		UserCameraCap:          bbb.Int(0),
		Groups:                 `[{"id":"1","name":"A","roster":["u1"]}]`,
		Meta:                   map[string]string{"bbb-origin": "portal", "endCallbackUrl": "https://portal.example.org/end?x=1"},
		Extra:                  url.Values{"newFeatureX": {"on"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.InternalMeetingID == "" || resp.CreateTime().UnixMilli() != 1764115200123 || resp.Duplicate() {
		t.Errorf("unexpected response %+v", resp)
	}
	r := f.last(t)
	want := map[string]string{
		"name": "Physics 101 & Lab", "meetingID": "room 42/ä*~", "record": "true", "autoStartRecording": "false",
		"maxParticipants": "50", "guestPolicy": "ASK_MODERATOR", "meetingLayout": "SMART_LAYOUT",
		"disabledFeatures": "chat,polls", "lockSettingsDisableCam": "true", "userCameraCap": "0",
		"groups": `[{"id":"1","name":"A","roster":["u1"]}]`, "meta_bbb-origin": "portal",
		"meta_endCallbackUrl": "https://portal.example.org/end?x=1", "newFeatureX": "on",
	}
	for k, v := range want {
		if got := r.query.Get(k); got != v {
			t.Errorf("param %s = %q, want %q", k, got, v)
		}
	}
	for _, absent := range []string{"attendeePW", "moderatorPW", "welcome", "duration", "muteOnStart"} {
		if r.query.Has(absent) {
			t.Errorf("param %s sent although unset", absent)
		}
	}
	// Java URLEncoder escaping: space as '+', '*' kept, '~' and '/' escaped.
	if !strings.Contains(r.rawQuery, "meetingID=room+42%2F%C3%A4*%7E") {
		t.Errorf("meetingID not escaped like URLEncoder: %s", r.rawQuery)
	}
}

func TestCreateMeetingPostsModules(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{"create": {method: "POST", contentType: "application/xml", file: "create.xml"}})
	c := f.client(t)
	_, err := c.CreateMeeting(context.Background(), &bbb.CreateMeetingParams{
		Name: "n", MeetingID: "m",
		Presentations: []bbb.Document{
			{URL: "https://files.example.org/slides.pdf?a=1&b=2", Filename: "slides.pdf", Current: bbb.Bool(true), Downloadable: bbb.Bool(false)},
			{Filename: "logo.png", Content: []byte{0x89, 'P', 'N', 'G'}},
		},
		ClientSettingsOverride: `{"public":{"app":{"appName":"Uni"}}}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	body := string(r.body)
	for _, want := range []string{
		`<module name="presentation">`,
		`<document url="https://files.example.org/slides.pdf?a=1&amp;b=2" filename="slides.pdf" downloadable="false" current="true"/>`,
		`<document name="logo.png">iVBORw==</document>`,
		`<module name="clientSettingsOverride"><![CDATA[{"public":{"app":{"appName":"Uni"}}}]]></module>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %s:\n%s", want, body)
		}
	}
	if r.query.Get("name") != "n" {
		t.Errorf("parameters must stay in the signed URL: %s", r.rawQuery)
	}
	_, err = c.CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "n", MeetingID: "m", Presentations: []bbb.Document{{}}})
	var pe *bbb.ParamError
	if !errors.As(err, &pe) {
		t.Errorf("empty document: %v, want *ParamError", err)
	}
}

func TestParamValidation(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{})
	c := f.client(t)
	ctx := context.Background()
	cases := map[string]error{
		"no meetingID": func() error { _, err := c.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "x"}); return err }(),
		"no name":      func() error { _, err := c.CreateMeeting(ctx, &bbb.CreateMeetingParams{MeetingID: "x"}); return err }(),
		"meta underscore": func() error {
			_, err := c.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "x", MeetingID: "x", Meta: map[string]string{"a_b": "1"}})
			return err
		}(),
		"extra duplicate": func() error {
			_, err := c.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "x", MeetingID: "x", Extra: url.Values{"name": {"y"}}})
			return err
		}(),
		"extra checksum": func() error {
			_, err := c.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "x", MeetingID: "x", Extra: url.Values{"checksum": {"y"}}})
			return err
		}(),
		"join no role": func() error { _, err := c.JoinURL(&bbb.JoinParams{FullName: "a", MeetingID: "m"}); return err }(),
		"join bad role": func() error {
			_, err := c.JoinURL(&bbb.JoinParams{FullName: "a", MeetingID: "m", Role: "ADMIN"})
			return err
		}(),
		"userdata dash": func() error {
			_, err := c.JoinURL(&bbb.JoinParams{FullName: "a", MeetingID: "m", Role: "viewer", UserData: map[string]string{"a-b": "1"}})
			return err
		}(),
		"join extra dup": func() error {
			_, err := c.JoinURL(&bbb.JoinParams{FullName: "a", MeetingID: "m", Role: "viewer", Extra: url.Values{"fullName": {"b"}}})
			return err
		}(),
		"limit":           func() error { _, err := c.GetRecordings(ctx, &bbb.GetRecordingsParams{Limit: 101}); return err }(),
		"record ids":      func() error { _, err := c.DeleteRecordings(ctx, nil); return err }(),
		"record id comma": func() error { _, err := c.PublishRecordings(ctx, []string{"a,b"}, true); return err }(),
		"chat too long":   c.SendChatMessage(ctx, &bbb.SendChatMessageParams{MeetingID: "m", Message: strings.Repeat("x", 501)}),
		"text track kind": func() error {
			_, err := c.PutRecordingTextTrack(ctx, &bbb.PutTextTrackParams{RecordID: "r", Kind: "x", Lang: "en", File: strings.NewReader("")})
			return err
		}(),
		"end no meeting":   c.EndMeeting(ctx, ""),
		"insert no docs":   c.InsertDocument(ctx, "m", nil),
		"session no token": func() error { _, err := c.GetJoinURL(ctx, &bbb.GetJoinURLParams{}); return err }(),
	}
	for name, err := range cases {
		var pe *bbb.ParamError
		if !errors.As(err, &pe) {
			t.Errorf("%s: %v, want *ParamError", name, err)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid parameters", n)
	}
}

func TestJoinURL(t *testing.T) {
	t.Parallel()
	c, err := bbb.New("https://bbb.example.org/bigbluebutton/", testSecret, bbb.WithChecksum(checksum.SHA1))
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.JoinURL(&bbb.JoinParams{
		FullName: "Zoë O'Neil", MeetingID: "room-42", Role: "moderator", UserID: "u-1",
		CreateTime: time.UnixMilli(1764115200123), Redirect: bbb.Bool(true),
		UserData: map[string]string{"bbb_skip_check_audio": "true", "bbb_auto_join_audio": "false"},
		Extra:    url.Values{"newJoinParam": {"1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	base, raw, _ := strings.Cut(u, "?")
	if base != "https://bbb.example.org/bigbluebutton/api/join" {
		t.Errorf("base %s", base)
	}
	wantQuery := "fullName=Zo%C3%AB+O%27Neil&meetingID=room-42&role=MODERATOR&createTime=1764115200123&userID=u-1&redirect=true" +
		"&userdata-bbb_auto_join_audio=false&userdata-bbb_skip_check_audio=true&newJoinParam=1"
	rest, sum, _ := strings.Cut(raw, "&checksum=")
	if rest != wantQuery {
		t.Errorf("query\n got %s\nwant %s", rest, wantQuery)
	}
	if want, _ := independentChecksum("join", wantQuery, testSecret, 40); sum != want {
		t.Errorf("checksum %s, want %s", sum, want)
	}
	if err := checksum.Verify("join", raw, testSecret); err != nil {
		t.Error(err)
	}
}

func TestJoinRedirectErrors(t *testing.T) {
	t.Parallel()
	loc := "https://portal.example.org/logout?errors=" + url.QueryEscape(`[{"key":"maxParticipantsReached","message":"The number of participants allowed for this meeting has been reached."}]`)
	f := newFake(t, map[string]route{"join": {status: 302, location: loc}})
	c := f.client(t)
	_, err := c.Join(context.Background(), &bbb.JoinParams{FullName: "a", MeetingID: "m", Role: bbb.RoleViewer})
	var ae *bbb.Error
	if !errors.As(err, &ae) || ae.Key != "maxParticipantsReached" || !errors.Is(err, bbb.ErrMaxParticipants) {
		t.Fatalf("Join = %v, want maxParticipantsReached", err)
	}
	if r := f.last(t); r.query.Get("redirect") != "false" || r.method != "GET" {
		t.Errorf("server-side join must be GET with redirect=false: %s %s", r.method, r.rawQuery)
	}
	if len(f.requests()) != 1 {
		t.Errorf("redirect was followed: %d requests", len(f.requests()))
	}
}

func TestJoinResponseHidesTokens(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{"join": {file: "join.xml"}})
	resp, err := f.client(t).Join(context.Background(), &bbb.JoinParams{FullName: "a", MeetingID: "m", Role: bbb.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	if resp.SessionToken != "SESSIONTOKEN-1a2b3c" || resp.UserID != "w_q2kx8rlx5zvn" || resp.GuestStatus != "ALLOW" {
		t.Fatalf("decoded %#v", resp.Envelope)
	}
	for _, s := range []string{resp.String(), resp.LogValue().String()} {
		if strings.Contains(s, "TOKEN") {
			t.Errorf("token printed: %s", s)
		}
	}
}

func TestGetJoinURL(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{"getJoinUrl": {file: "get_join_url.json"}})
	c := f.client(t)
	u, err := c.GetJoinURL(context.Background(), &bbb.GetJoinURLParams{SessionToken: "SESSIONTOKEN-1a2b3c", SessionName: "Tablet", ReplaceSession: bbb.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "https://bbb.example.org/bigbluebutton/api/join?") {
		t.Errorf("url %s", u)
	}
	r := f.last(t)
	if r.query.Get("sessionToken") != "SESSIONTOKEN-1a2b3c" || r.query.Has("checksum") || r.query.Get("sessionName") != "Tablet" {
		t.Errorf("query %s", r.rawQuery)
	}

	f2 := newFake(t, map[string]route{"getJoinUrl": {file: "get_join_url_failed.json"}})
	_, err = f2.client(t).GetJoinURL(context.Background(), &bbb.GetJoinURLParams{SessionToken: "SESSIONTOKEN-1a2b3c"})
	if !errors.Is(err, bbb.ErrMissingSession) {
		t.Fatalf("GetJoinURL = %v, want ErrMissingSession", err)
	}
	if strings.Contains(err.Error(), "SESSIONTOKEN") {
		t.Errorf("error leaks the session token: %v", err)
	}
}

func TestVersionNeedsNoChecksum(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{"": {file: "version.xml"}})
	v, err := f.client(t).Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v.BBBVersion != "3.0.12" || v.APIVersion != "2.0" || v.GraphqlWebsocketURL != "wss://bbb.example.org/graphql" {
		t.Errorf("version %+v", v)
	}
	if r := f.last(t); r.rawQuery != "" {
		t.Errorf("API root sent a query: %s", r.rawQuery)
	}
}

func TestSendChatMessageAndInsertDocument(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{
		"sendChatMessage": {file: "success.xml"},
		"insertDocument":  {method: "POST", contentType: "application/xml", file: "success.xml"},
	})
	c := f.client(t)
	if err := c.SendChatMessage(context.Background(), &bbb.SendChatMessageParams{MeetingID: "m", Message: "Pause bis 10:15", UserName: "Kursleitung"}); err != nil {
		t.Fatal(err)
	}
	if r := f.last(t); r.query.Get("message") != "Pause bis 10:15" || r.query.Get("userName") != "Kursleitung" {
		t.Errorf("query %s", r.rawQuery)
	}
	if err := c.InsertDocument(context.Background(), "m", []bbb.Document{{URL: "https://x/y.pdf", Removable: bbb.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	if !strings.Contains(string(r.body), `<document url="https://x/y.pdf" removable="true"/>`) || r.query.Get("meetingID") != "m" {
		t.Errorf("insertDocument body %s query %s", r.body, r.rawQuery)
	}
}

func TestAppendJoinURL(t *testing.T) {
	c, err := bbb.New("https://bbb.example.org/bigbluebutton/", testSecret)
	if err != nil {
		t.Fatal(err)
	}
	p := &bbb.JoinParams{FullName: "Zoë O'Neil", MeetingID: "room-42", Role: bbb.RoleViewer, CreateTime: time.UnixMilli(1764115200123),
		Guest: bbb.Bool(true), UserData: map[string]string{"bbb_auto_join_audio": "false"}}
	want, err := c.JoinURL(p)
	if err != nil {
		t.Fatal(err)
	}
	buf := []byte("<a href=")
	buf, err = c.AppendJoinURL(buf, p)
	if err != nil || string(buf) != "<a href="+want {
		t.Fatalf("AppendJoinURL = %q, %v; want the JoinURL %q after the prefix", buf, err, want)
	}
	// With room in the buffer, building a join URL allocates nothing; the
	// string JoinURL returns is its only allocation.
	p.UserData = nil
	if n := testing.AllocsPerRun(100, func() { buf, _ = c.AppendJoinURL(buf[:0], p) }); n != 0 {
		t.Errorf("AppendJoinURL allocates %.0f times", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = c.JoinURL(p) }); n != 1 {
		t.Errorf("JoinURL allocates %.0f times, want 1", n)
	}
	if _, err := c.AppendJoinURL(nil, &bbb.JoinParams{MeetingID: "m"}); err == nil {
		t.Error("missing fullName accepted")
	}
}
