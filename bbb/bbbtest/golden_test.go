package bbbtest_test

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/bbb/checksum"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenStep is one request of the golden script.
type goldenStep struct {
	name        string // golden file name
	call, query string
	method      string
	contentType string
	body        []byte
	// elements are the children of <response> in the order bbb-web's
	// templates (or bbb-webhooks) print them; nil skips the check.
	elements []string
	decode   func([]byte) error
}

func vttBody() (string, []byte) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.SetBoundary("golden-boundary")
	fw, _ := mw.CreateFormFile("file", "en.vtt")
	_, _ = fw.Write([]byte("WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n"))
	_ = mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

func envelopeDecoder(want string) func([]byte) error {
	return func(b []byte) error {
		var e bbb.Envelope
		if err := xml.Unmarshal(b, &e); err != nil {
			return err
		}
		if e.ReturnCode != want {
			return fmt.Errorf("returncode %s, want %s", e.ReturnCode, want)
		}
		return nil
	}
}

// TestGolden runs a fixed script against a deterministic server (fake
// clock, seeded IDs, fixed secret and URL), compares every answer with
// testdata/*.golden, checks the element names and order against bbb-web's
// templates, and decodes the answer with the bbb package.
func TestGolden(t *testing.T) {
	clock := bbbtest.NewFakeClock(time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC))
	s, err := bbbtest.New(bbbtest.WithBaseURL("https://bbb.example.com/bigbluebutton/"), bbbtest.WithSecret("golden-secret"),
		bbbtest.WithSeed(42), bbbtest.WithClock(clock.Now), bbbtest.WithPublishDelay(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	createElems := []string{"returncode", "meetingID", "internalMeetingID", "parentMeetingID", "attendeePW", "moderatorPW", "createTime", "voiceBridge", "dialNumber", "createDate", "hasUserJoined", "duration", "hasBeenForciblyEnded", "messageKey", "message"}
	infoElems := []string{"returncode", "meetingName", "meetingID", "internalMeetingID", "createTime", "createDate", "voiceBridge", "dialNumber", "attendeePW", "moderatorPW", "running", "duration", "hasUserJoined", "recording", "hasBeenForciblyEnded", "startTime", "endTime", "participantCount", "listenerCount", "voiceParticipantCount", "videoCount", "maxUsers", "moderatorCount", "attendees", "metadata", "isBreakout"}
	failed := []string{"returncode", "messageKey", "message"}
	ct, vtt := vttBody()
	steps := []goldenStep{
		{name: "api_root", call: "", elements: []string{"returncode", "version", "apiVersion", "bbbVersion", "html5PluginSdkVersion", "graphqlWebsocketUrl", "graphqlApiUrl"},
			decode: envelopeDecoder("SUCCESS")},
		{name: "checksum_error", call: "getMeetings", query: "checksum=0000000000000000000000000000000000000000", elements: failed, decode: envelopeDecoder("FAILED")},
		{name: "get_meetings_empty", call: "getMeetings", elements: []string{"returncode", "meetings", "messageKey", "message"},
			decode: func(b []byte) error { m, err := bbb.ParseMeetings(b); return errIf(err, len(m) != 0) }},
		{name: "create", call: "create", query: "name=Golden+Room&meetingID=golden-1&attendeePW=ap&moderatorPW=mp&record=true&meta_bbb-origin=bbbkit&meta_Course=PHYS",
			elements: createElems, decode: envelopeDecoder("SUCCESS")},
		{name: "create_duplicate", call: "create", query: "name=Golden+Room&meetingID=golden-1", elements: createElems, decode: envelopeDecoder("SUCCESS")},
		{name: "create_id_not_unique", call: "create", query: "name=Golden+Room&meetingID=golden-1&attendeePW=zz", elements: failed, decode: envelopeDecoder("FAILED")},
		{name: "join_xml", call: "join", query: "fullName=Ada+Lovelace&meetingID=golden-1&role=MODERATOR&userID=ada&redirect=false&userdata-bbb_show_participants_on_login=false",
			elements: []string{"returncode", "messageKey", "message", "meeting_id", "user_id", "auth_token", "session_token", "guestStatus", "url"},
			decode:   envelopeDecoder("SUCCESS")},
		{name: "join_redirect", call: "join", query: "fullName=Bob&meetingID=golden-1&password=ap"},
		{name: "join_error_redirect", call: "join", query: "fullName=Bob&meetingID=nope&role=VIEWER"},
		{name: "join_invalid_password", call: "join", query: "fullName=Bob&meetingID=golden-1&password=xx", elements: failed, decode: envelopeDecoder("FAILED")},
		{name: "is_meeting_running", call: "isMeetingRunning", query: "meetingID=golden-1", elements: []string{"returncode", "running"}, decode: envelopeDecoder("SUCCESS")},
		{name: "get_meeting_info", call: "getMeetingInfo", query: "meetingID=golden-1", elements: infoElems,
			decode: func(b []byte) error {
				m, err := bbb.ParseMeetingInfo(b)
				return errIf(err, m == nil || len(m.Attendees) != 2 || m.Metadata["course"] != "PHYS")
			}},
		{name: "get_meeting_info_not_found", call: "getMeetingInfo", query: "meetingID=nope", elements: failed, decode: envelopeDecoder("FAILED")},
		{name: "get_meetings", call: "getMeetings", elements: []string{"returncode", "meetings"},
			decode: func(b []byte) error { m, err := bbb.ParseMeetings(b); return errIf(err, len(m) != 1) }},
		{name: "get_sessions", call: "getSessions", elements: []string{"returncode", "sessions"}, decode: envelopeDecoder("SUCCESS")},
		{name: "send_chat_message", call: "sendChatMessage", query: "meetingID=golden-1&message=Hello+%3Call%3E", elements: failed[:3], decode: envelopeDecoder("SUCCESS")},
		{name: "insert_document", call: "insertDocument", query: "meetingID=golden-1", method: http.MethodPost, contentType: "application/xml",
			body:     []byte(`<modules><module name="presentation"><document url="https://example.com/a.pdf" filename="a.pdf"/></module></modules>`),
			elements: failed, decode: envelopeDecoder("SUCCESS")},
		{name: "unsupported_content_type", call: "getMeetings", method: http.MethodPost, contentType: "application/json", body: []byte("{}"), elements: failed, decode: envelopeDecoder("FAILED")},
		{name: "end", call: "end", query: "meetingID=golden-1", elements: failed, decode: envelopeDecoder("SUCCESS")},
		{name: "get_recordings_processing", call: "getRecordings", query: "state=processing",
			decode: func(b []byte) error { p, err := bbb.ParseRecordings(b); return errIf(err, len(p.Recordings) != 1) }},
		{name: "get_recordings_none", call: "getRecordings", query: "meetingID=nope", elements: []string{"returncode", "messageKey", "message", "recordings"},
			decode: func(b []byte) error { p, err := bbb.ParseRecordings(b); return errIf(err, len(p.Recordings) != 0) }},
		{name: "get_recordings", call: "getRecordings", query: "meetingID=golden-1&offset=0&limit=10", elements: []string{"returncode", "recordings", "totalElements"},
			decode: func(b []byte) error {
				p, err := bbb.ParseRecordings(b)
				return errIf(err, len(p.Recordings) != 1 || !p.Paged || p.TotalElements != 1 || len(p.Recordings[0].Playback) != 1 || len(p.Recordings[0].Playback[0].Preview) != 3)
			}},
		{name: "publish_recordings", call: "publishRecordings", query: "recordID=RID&publish=false", elements: []string{"returncode", "published"}, decode: envelopeDecoder("SUCCESS")},
		{name: "update_recordings", call: "updateRecordings", query: "recordID=RID&meta_course=", elements: []string{"returncode", "updated"}, decode: envelopeDecoder("SUCCESS")},
		{name: "put_recording_text_track", call: "putRecordingTextTrack", query: "recordID=RID&kind=subtitles&lang=en-US&label=English", method: http.MethodPost, contentType: ct, body: vtt},
		{name: "get_recording_text_tracks", call: "getRecordingTextTracks", query: "recordID=RID"},
		{name: "delete_recordings", call: "deleteRecordings", query: "recordID=RID", elements: []string{"returncode", "deleted"}, decode: envelopeDecoder("SUCCESS")},
		{name: "delete_recordings_not_found", call: "deleteRecordings", query: "recordID=RID", elements: failed, decode: envelopeDecoder("FAILED")},
		{name: "hooks_create", call: "hooks/create", query: "callbackURL=https%3A%2F%2Fportal.example.com%2Fhook&meetingID=golden-2&eventID=user-joined,user-left",
			elements: []string{"returncode", "hookID", "permanentHook", "rawData"}, decode: envelopeDecoder("SUCCESS")},
		{name: "hooks_create_duplicate", call: "hooks/create", query: "callbackURL=https%3A%2F%2Fportal.example.com%2Fhook",
			elements: []string{"returncode", "hookID", "messageKey", "message"}, decode: envelopeDecoder("SUCCESS")},
		{name: "hooks_list", call: "hooks/list", elements: []string{"returncode", "hooks"}, decode: envelopeDecoder("SUCCESS")},
		{name: "hooks_destroy_missing", call: "hooks/destroy", query: "hookID=nope", elements: failed, decode: envelopeDecoder("FAILED")},
	}
	var recordID string
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			query := strings.ReplaceAll(st.query, "RID", recordID)
			target := "https://bbb.example.com/bigbluebutton/api"
			if st.call != "" {
				target += "/" + st.call + "?"
				if !strings.Contains(query, "checksum=") {
					sum := checksum.Sum(checksum.SHA256, st.call, query, s.Secret)
					if query != "" {
						query += "&"
					}
					query += "checksum=" + sum
				}
				target += query
			}
			method := st.method
			if method == "" {
				method = http.MethodGet
			}
			req := httptest.NewRequest(method, target, bytes.NewReader(st.body))
			if st.contentType != "" {
				req.Header.Set("Content-Type", st.contentType)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			got := fmt.Appendf(nil, "HTTP %d\nContent-Type: %s\nLocation: %s\n\n%s", rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Location"), rec.Body.Bytes())
			path := filepath.Join("testdata", st.name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("answer differs from %s:\n%s\nwant:\n%s", path, got, want)
			}
			if st.elements != nil {
				if names := bbbtest.ChildNames(t, rec.Body.Bytes()); !slices.Equal(names, st.elements) {
					t.Errorf("elements %v\nwant     %v", names, st.elements)
				}
			}
			if st.decode != nil {
				if err := st.decode(rec.Body.Bytes()); err != nil {
					t.Errorf("decode: %v", err)
				}
			}
		})
		switch st.name {
		case "join_redirect":
			if _, err := s.Join("golden-1", bbbtest.User{FullName: "Carol", ListenOnly: true, Voice: true}); err != nil {
				t.Fatal(err)
			}
			if err := s.Leave("golden-1", s.Meetings()[0].Attendees[1].UserID); err != nil {
				t.Fatal(err)
			}
		case "end":
			clock.Advance(time.Minute)
		case "get_recordings_processing":
			clock.Advance(2 * time.Minute)
			recordID = s.Recordings()[0].RecordID
		}
	}
}

func errIf(err error, bad bool) error {
	if err != nil {
		return err
	}
	if bad {
		return fmt.Errorf("decoded to unexpected values")
	}
	return nil
}
