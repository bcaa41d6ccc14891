package bbb_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
)

func TestRecordingBreakoutDetails(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{"getRecordings": {file: "get_recordings_breakout.xml"}})
	page, err := f.client(t).GetRecordings(context.Background(), nil)
	if err != nil || len(page.Recordings) != 2 {
		t.Fatalf("page %+v, %v", page, err)
	}
	room, parent := page.Recordings[0], page.Recordings[1]
	if !room.IsBreakout || room.ParentMeetingID != "5a1c0f2b9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a-1764115200123" || room.Sequence != 2 || !room.FreeJoin {
		t.Errorf("breakout room recording: %+v", room)
	}
	if room.Participants != 3 || len(room.Playback) != 1 || room.Metadata["meetingName"] != "Physics 101 (Room 2)" {
		t.Errorf("fields after <breakout> lost: %+v", room)
	}
	wantRooms := []string{"c0ffee00aa11bb22cc33dd44ee55ff6600112233-1764115300000", "c0ffee00aa11bb22cc33dd44ee55ff6600112233-1764115300001"}
	if parent.IsBreakout || !slices.Equal(parent.BreakoutRooms, wantRooms) || parent.ParentMeetingID != "" {
		t.Errorf("parent recording: %+v", parent)
	}
	if parent.Extra != nil || parent.Participants != 12 {
		t.Errorf("parent recording has extra elements %+v", parent.Extra)
	}
}

// Elements bbbkit has no field for stay readable, at every level that
// has Extra.
func TestUnknownElementsAreKept(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{"getRecordings": {file: "get_recordings_breakout.xml"}})
	page, err := f.client(t).GetRecordings(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	extra := page.Recordings[0].Extra
	if len(extra) != 2 || extra[0].XMLName.Local != "retentionDays" || extra[0].Text() != "30" {
		t.Fatalf("recording extra %+v", extra)
	}
	lti := extra[1]
	var v struct {
		Scope   string `xml:"scope,attr"`
		Context string `xml:"context"`
	}
	if err := lti.Decode(&v); err != nil || v.Scope != "course" || v.Context != "PHYS-101" || lti.Text() != "a & b" {
		t.Errorf("lti element %+v decoded %+v, %v, text %q", lti, v, err, lti.Text())
	}
	if fx := page.Recordings[0].Playback[0].Extra; len(fx) != 1 || fx[0].XMLName.Local != "captionsReady" || fx[0].Attrs[0].Value != "de-DE" {
		t.Errorf("format extra %+v", fx)
	}

	info := `<response><returncode>SUCCESS</returncode><meetingName>M</meetingName><meetingID>m</meetingID>` +
		`<attendees><attendee><userID>u</userID><fullName>A</fullName><role>VIEWER</role><isAway>true</isAway></attendee></attendees>` +
		`<html5PluginSdkVersion>0.0.80</html5PluginSdkVersion><running>true</running></response>`
	version := `<response><returncode>SUCCESS</returncode><version>2.0</version><apiVersion>2.0</apiVersion>` +
		`<bbbVersion>3.0.12</bbbVersion><livekitUrl>wss://bbb.example.org/livekit</livekitUrl></response>`
	c := newFake(t, map[string]route{"getMeetingInfo": {body: info}, "": {body: version}}).client(t)
	m, err := c.GetMeetingInfo(context.Background(), "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Extra) != 1 || m.Extra[0].XMLName.Local != "html5PluginSdkVersion" || !m.Running {
		t.Errorf("meeting extra %+v", m.Extra)
	}
	if ax := m.Attendees[0].Extra; len(ax) != 1 || ax[0].XMLName.Local != "isAway" || ax[0].Text() != "true" {
		t.Errorf("attendee extra %+v", ax)
	}
	v2, err := c.Version(context.Background())
	if err != nil || v2.BBBVersion != "3.0.12" || len(v2.Extra) != 1 || v2.Extra[0].Text() != "wss://bbb.example.org/livekit" {
		t.Errorf("version %+v, %v", v2, err)
	}
	// Answers with only known elements have no Extra.
	full := newFake(t, map[string]route{"getRecordings": {file: "get_recordings.xml"}})
	page, err = full.client(t).GetRecordings(context.Background(), nil)
	if err != nil || page.Recordings[0].Extra != nil || page.Recordings[0].Playback[0].Extra != nil {
		t.Errorf("known answer grew Extra: %+v, %v", page, err)
	}
}

// Every success answer's messageKey and message reach the caller.
func TestInformationalAnswersAreExposed(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{
		"end":            {file: "end.xml"},
		"insertDocument": {method: http.MethodPost, body: `<response><returncode>SUCCESS</returncode><message>Presentation is being uploaded</message></response>`},
		"getSessions":    {body: `<response><returncode>SUCCESS</returncode><sessions/><messageKey>noSessions</messageKey><message>No sessions were found.</message></response>`},
		"getMeetings":    {file: "get_meetings_empty.xml"},
		"getRecordings":  {file: "get_recordings_empty.xml"},
		"getJoinUrl":     {file: "get_join_url.json"},
	})
	c := f.client(t)
	ctx := context.Background()
	check := func(call string, got bbb.Answer, key, message string) {
		t.Helper()
		if got.MessageKey != key || got.Message != message {
			t.Errorf("%s answer %+v, want key %q message %q", call, got, key, message)
		}
	}
	var ans bbb.Answer
	if err := c.EndMeeting(ctx, "room-42", bbb.CaptureAnswer(&ans)); err != nil {
		t.Fatal(err)
	}
	check("end", ans, "sentEndMeetingRequest", "A request to end the meeting was sent.  Please wait a few seconds, and then use the getMeetingInfo or isMeetingRunning API calls to verify that it was ended.")
	ans = bbb.Answer{}
	if err := c.InsertDocument(ctx, "room-42", []bbb.Document{{URL: "https://x/y.pdf"}}, bbb.CaptureAnswer(&ans)); err != nil {
		t.Fatal(err)
	}
	check("insertDocument", ans, "", "Presentation is being uploaded")
	ans = bbb.Answer{}
	if ss, err := c.GetSessions(ctx, bbb.CaptureAnswer(&ans)); err != nil || len(ss) != 0 {
		t.Fatalf("sessions %v, %v", ss, err)
	}
	check("getSessions", ans, "noSessions", "No sessions were found.")
	ans = bbb.Answer{}
	if ms, err := c.GetMeetings(ctx, bbb.CaptureAnswer(&ans)); err != nil || len(ms) != 0 {
		t.Fatalf("meetings %v, %v", ms, err)
	}
	if ans.MessageKey != "noMeetings" {
		t.Errorf("getMeetings answer %+v", ans)
	}
	page, err := c.GetRecordings(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	check("getRecordings", page.Answer, "noRecordings", "There are no recordings for the meeting(s).")
	ans = bbb.Answer{}
	if _, err := c.GetJoinURL(ctx, &bbb.GetJoinURLParams{SessionToken: "SESSIONTOKEN-1a2b3c"}, bbb.CaptureAnswer(&ans)); err != nil {
		t.Fatal(err)
	}
	check("getJoinUrl", ans, "", "Join URL provided successfully.")
}

// Do decodes JSON answers as well as XML, so calls bbbkit has no method
// for still work.
func TestDoDecodesJSONAnswers(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{
		"stuns":          {body: `{"response":{"returncode":"SUCCESS","stunServers":[{"url":"stun:stun.example.org:3478"}],"iceServers":[]}}`},
		"feedback":       {body: `  {"response":{"returncode":"FAILED","messageKey":"missingSession","message":"Invalid session token"}}`},
		"getMeetingInfo": {file: "get_meeting_info.xml"},
	})
	c := f.client(t)
	var stuns struct {
		bbb.Envelope
		StunServers []struct {
			URL string `json:"url"`
		} `json:"stunServers"`
	}
	if err := c.Do(context.Background(), "stuns", url.Values{"sessionToken": {"SESSIONTOKEN-1a2b3c"}}, &stuns); err != nil {
		t.Fatal(err)
	}
	if stuns.ReturnCode != "SUCCESS" || len(stuns.StunServers) != 1 || stuns.StunServers[0].URL != "stun:stun.example.org:3478" {
		t.Errorf("stuns %+v", stuns)
	}
	var fb struct{ bbb.Envelope }
	err := c.Do(context.Background(), "feedback", nil, &fb)
	if !errors.Is(err, bbb.ErrMissingSession) {
		t.Errorf("FAILED JSON answer: %v", err)
	}
	var info struct {
		bbb.Envelope
		MeetingName string `xml:"meetingName"`
	}
	if err := c.Do(context.Background(), "getMeetingInfo", url.Values{"meetingID": {"room-42"}}, &info); err != nil || info.MeetingName != "Physics 101 & Lab" {
		t.Errorf("XML through Do: %+v, %v", info, err)
	}
}

// learningDashboardReport is a report in the shape bbb-web 3.0 serves: the
// JSON document the meeting's activity tracker writes, as a string in
// "data".
const learningDashboardReport = `{"response":{"returncode":"SUCCESS","sessionToken":"SESSIONTOKEN-1a2b3c","data":` +
	`"{\"intId\":\"5a1c0f2b-1764115200123\",\"extId\":\"room-42\",\"name\":\"Physics 101\",\"downloadSessionDataEnabled\":true,` +
	`\"other\":{},\"genericDataTitles\":[],` +
	`\"users\":{\"ada-1\":{\"userKey\":\"ada-1\",\"extId\":\"ada\",\"name\":\"Prof. Ada\",\"isModerator\":true,\"color\":\"#7b1fa2\",\"isDialIn\":false,` +
	`\"avatar\":\"\",\"currentIntId\":\"w_ada1\",\"intIds\":{\"w_ada1\":{\"intId\":\"w_ada1\",\"sessions\":[{\"registeredOn\":1764115201000,\"leftOn\":0}],\"userLeftFlag\":false}},` +
	`\"answers\":{\"poll-1\":[\"B\"]},\"genericData\":{},\"talk\":{\"totalTime\":93500,\"lastTalkStartedOn\":0},` +
	`\"reactions\":[{\"name\":\"thumbsUp\",\"sentOn\":1764115300000}],\"raiseHand\":[1764115400000],\"away\":[],` +
	`\"webcams\":[{\"startedOn\":1764115210000,\"stoppedOn\":1764115510000}],\"totalOfMessages\":4},` +
	`\"bob-1\":{\"userKey\":\"bob-1\",\"extId\":\"bob\",\"name\":\"Bob\",\"isModerator\":false,\"color\":\"#0277bd\",\"currentIntId\":null,` +
	`\"intIds\":{\"w_bob1\":{\"intId\":\"w_bob1\",\"sessions\":[{\"registeredOn\":1764115205000,\"leftOn\":1764115900000}],\"userLeftFlag\":true}},` +
	`\"answers\":{},\"talk\":{\"totalTime\":0,\"lastTalkStartedOn\":0},\"reactions\":[],\"raiseHand\":[],\"away\":[],\"webcams\":[],\"totalOfMessages\":1}},` +
	`\"polls\":{\"poll-1\":{\"pollId\":\"poll-1\",\"pollType\":\"A-4\",\"anonymous\":false,\"multiple\":false,\"quiz\":false,\"question\":\"Which?\",` +
	`\"options\":[\"A\",\"B\",\"C\",\"D\"],\"correctOption\":\"\",\"ended\":true,\"published\":true,\"anonymousAnswers\":[],\"createdOn\":1764115350000}},` +
	`\"screenshares\":[{\"startedOn\":1764115600000,\"stoppedOn\":0}],` +
	`\"presentationSlides\":[{\"presentationId\":\"p1\",\"pageNum\":1,\"setOn\":1764115200500,\"presentationName\":\"default.pdf\"}],` +
	`\"createdOn\":1764115200123,\"endedOn\":0}"}}`

func TestLearningDashboard(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{"learningDashboard": {body: learningDashboardReport}})
	d, err := f.client(t).LearningDashboard(context.Background(), "SESSIONTOKEN-1a2b3c")
	if err != nil {
		t.Fatal(err)
	}
	if r := f.last(t); r.query.Get("sessionToken") != "SESSIONTOKEN-1a2b3c" || r.query.Has("checksum") {
		t.Errorf("query %s", r.rawQuery)
	}
	if d.MeetingID != "room-42" || d.InternalMeetingID != "5a1c0f2b-1764115200123" || d.Name != "Physics 101" || !d.DownloadSessionDataEnabled ||
		!d.CreatedOn.Time().Equal(time.UnixMilli(1764115200123)) || !d.EndedOn.Time().IsZero() {
		t.Errorf("meeting %+v", d.DashboardMeeting)
	}
	ada, bob := d.Users["ada-1"], d.Users["bob-1"]
	if ada.Name != "Prof. Ada" || !ada.IsModerator || ada.UserID != "ada" || ada.TotalOfMessages != 4 || ada.Talk.TotalTime() != 93500*time.Millisecond ||
		len(ada.Webcams) != 1 || ada.Webcams[0].StoppedOn.Time().Sub(ada.Webcams[0].StartedOn.Time()) != 5*time.Minute ||
		len(ada.RaiseHand) != 1 || ada.Reactions[0].Name != "thumbsUp" || ada.Answers["poll-1"][0] != "B" {
		t.Errorf("ada %+v", ada)
	}
	s := bob.Sessions["w_bob1"]
	if bob.CurrentIntID != "" || !s.UserLeftFlag || len(s.Sessions) != 1 || !s.Sessions[0].LeftOn.Time().Equal(time.UnixMilli(1764115900000)) {
		t.Errorf("bob %+v", bob)
	}
	if p := d.Polls["poll-1"]; len(p.Options) != 4 || !p.Published || p.Question != "Which?" {
		t.Errorf("poll %+v", p)
	}
	if len(d.Screenshares) != 1 || len(d.PresentationSlides) != 1 || d.PresentationSlides[0].PresentationName != "default.pdf" {
		t.Errorf("screenshares %+v slides %+v", d.Screenshares, d.PresentationSlides)
	}
	if len(d.Data) == 0 || d.Data[0] != '{' {
		t.Errorf("raw data %q", d.Data)
	}

	for _, body := range []string{
		`{"response":{"returncode":"SUCCESS","data":"not json"}}`,
		`{"response":{"returncode":"SUCCESS"}}`,
		`<html>proxy</html>`,
	} {
		bad := newFake(t, map[string]route{"learningDashboard": {body: body}})
		_, err := bad.client(t).LearningDashboard(context.Background(), "SESSIONTOKEN-1a2b3c")
		var de *bbb.DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: err = %v, want a DecodeError", body, err)
		}
	}
	if _, err := f.client(t).LearningDashboard(context.Background(), ""); err == nil {
		t.Error("empty session token accepted")
	}
}

func TestCreateMeetingBBB30Parameters(t *testing.T) {
	t.Parallel()
	f := newFake(t, map[string]route{"create": {file: "create.xml"}})
	_, err := f.client(t).CreateMeeting(context.Background(), &bbb.CreateMeetingParams{
		Name: "n", MeetingID: "room-42",
		SharedNotesInitialContent:    "Agenda:\n1. Intro",
		SharedNotesInitialContentURL: "https://portal.example.org/notes/42.txt",
		AudioBridge:                  "livekit",
		CameraBridge:                 "livekit",
		ScreenShareBridge:            "bbb-webrtc-sfu",
	})
	if err != nil {
		t.Fatal(err)
	}
	q := f.last(t).query
	for k, v := range map[string]string{
		"sharedNotesInitialContent": "Agenda:\n1. Intro", "sharedNotesInitialContentUrl": "https://portal.example.org/notes/42.txt",
		"audioBridge": "livekit", "cameraBridge": "livekit", "screenShareBridge": "bbb-webrtc-sfu",
	} {
		if q.Get(k) != v {
			t.Errorf("param %s = %q, want %q", k, q.Get(k), v)
		}
	}
	// The typed fields and Extra must not both set one.
	_, err = f.client(t).CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "n", MeetingID: "m", AudioBridge: "livekit",
		Extra: url.Values{"audioBridge": {"sipjs"}}})
	var pe *bbb.ParamError
	if !errors.As(err, &pe) || pe.Param != "audioBridge" {
		t.Errorf("duplicate audioBridge: %v", err)
	}
}

// Reports of older servers keep one session beside intId and call
// reactions emojis; both read into the same fields.
func TestLearningDashboardOlderReport(t *testing.T) {
	t.Parallel()
	body := `{"response":{"returncode":"SUCCESS","data":` +
		`"{\"intId\":\"i-1\",\"extId\":\"room-7\",\"name\":\"Chemistry\",\"users\":{\"eve-1\":{\"userKey\":\"eve-1\",\"extId\":\"eve\",\"name\":\"Eve\",` +
		`\"isModerator\":false,\"currentIntId\":null,\"intIds\":{\"w_eve\":{\"intId\":\"w_eve\",\"registeredOn\":1764115205000,\"leftOn\":1764115900000,\"userLeftFlag\":true}},` +
		`\"answers\":{},\"talk\":{\"totalTime\":1500,\"lastTalkStartedOn\":0},\"emojis\":[{\"name\":\"raiseHand\",\"sentOn\":1764115300000}],\"webcams\":[],\"totalOfMessages\":2}},` +
		`\"polls\":{},\"screenshares\":[],\"presentationSlides\":[],\"createdOn\":1764115200123,\"endedOn\":0}"}}`
	f := newFake(t, map[string]route{"learningDashboard": {body: body}})
	d, err := f.client(t).LearningDashboard(context.Background(), "SESSIONTOKEN-1a2b3c")
	if err != nil {
		t.Fatal(err)
	}
	eve := d.Users["eve-1"]
	s := eve.Sessions["w_eve"]
	if len(s.Sessions) != 1 || !s.Sessions[0].RegisteredOn.Time().Equal(time.UnixMilli(1764115205000)) || !s.Sessions[0].LeftOn.Time().Equal(time.UnixMilli(1764115900000)) || !s.UserLeftFlag {
		t.Errorf("sessions %+v", s)
	}
	if len(eve.Reactions) != 1 || eve.Reactions[0].Name != "raiseHand" || eve.TotalOfMessages != 2 || eve.Talk.TotalTime() != 1500*time.Millisecond {
		t.Errorf("eve %+v", eve)
	}
}
