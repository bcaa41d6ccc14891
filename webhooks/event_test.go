package webhooks_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bbbkit/bbbkit/webhooks"
)

const (
	fxInternal = "5f0e1d2c3b4a59687766554433221100ffeeddcc-1764100000000"
	fxExternal = "physics-101"
	fxUser     = "w_k3nz8vq1ab2c"
)

// decodeOne parses a fixture as the only element of an event array.
func decodeOne(t *testing.T, path string) webhooks.Event {
	t.Helper()
	raw := readFixture(t, path)
	evs, err := webhooks.ParseEvents([]byte("[" + raw + "]"))
	if err != nil {
		t.Fatalf("ParseEvents(%s): %v", path, err)
	}
	if len(evs) != 1 {
		t.Fatalf("ParseEvents(%s) returned %d events; want 1", path, len(evs))
	}
	if got := string(evs[0].JSON); got != raw {
		t.Errorf("ParseEvents(%s): JSON = %s; want the original JSON byte for byte: %s", path, got, raw)
	}
	if evs[0].DecodeErr != nil {
		t.Errorf("ParseEvents(%s): DecodeErr = %v; want nil", path, evs[0].DecodeErr)
	}
	return evs[0]
}

func TestEveryMappedTypeHasAFixture(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "mapped", "*.json"))
	if err != nil {
		t.Fatalf("Glob: %v", err)
	}
	have := map[webhooks.EventType]bool{}
	for _, f := range files {
		have[webhooks.EventType(strings.TrimSuffix(filepath.Base(f), ".json"))] = true
	}
	for _, typ := range webhooks.MappedEventTypes() {
		if !have[typ] {
			t.Errorf("no fixture for %s", typ)
		}
	}
	if got, want := len(have), len(webhooks.MappedEventTypes()); got != want {
		t.Errorf("%d fixtures in testdata/mapped; want %d, one per mapped type", got, want)
	}
}

func TestDecodeMappedEvents(t *testing.T) {
	t.Parallel()
	user := func(t *testing.T, e webhooks.Event) *webhooks.User {
		t.Helper()
		if e.Attributes.User == nil {
			t.Fatalf("Attributes.User = nil; want a user")
		}
		if got := e.Attributes.User.InternalID; got != fxUser {
			t.Errorf("User.InternalID = %q; want %q", got, fxUser)
		}
		if got := e.Attributes.User.ExternalID; got != "student-7" {
			t.Errorf("User.ExternalID = %q; want %q", got, "student-7")
		}
		return e.Attributes.User
	}
	rap := func(t *testing.T, e webhooks.Event) {
		t.Helper()
		if got := e.Attributes.RecordID; got != fxInternal {
			t.Errorf("RecordID = %q; want %q", got, fxInternal)
		}
		if strings.HasSuffix(string(e.Type), "-ended") {
			if !e.Attributes.Success {
				t.Errorf("Success = false; want true")
			}
			if got := e.Attributes.StepTime; got != 1534 {
				t.Errorf("StepTime = %d; want 1534", got)
			}
		}
	}
	checks := map[webhooks.EventType]func(*testing.T, webhooks.Event){
		webhooks.EventMeetingCreated: func(t *testing.T, e webhooks.Event) {
			m := e.Attributes.Meeting
			for _, c := range []struct{ field, got, want string }{
				{"Name", m.Name, "Physics 101 — Waves & Optics"},
				{"ParentID", m.ParentID, "bbb-none"},
				{"ModeratorPass", m.ModeratorPass, "mod-secret-pw"},
				{"ViewerPass", m.ViewerPass, "view-secret-pw"},
				{"VoiceConf", m.VoiceConf, "71234"},
				{"DialNumber", m.DialNumber, "+1-555-0100"},
				{"AudioBridge", m.AudioBridge, "freeswitch"},
				{"CameraBridge", m.CameraBridge, "bbb-webrtc-sfu"},
				{"ScreenShareBridge", m.ScreenShareBridge, "bbb-webrtc-sfu"},
			} {
				if c.got != c.want {
					t.Errorf("Meeting.%s = %q; want %q", c.field, c.got, c.want)
				}
			}
			if m.IsBreakout {
				t.Errorf("Meeting.IsBreakout = true; want false")
			}
			if m.Duration != 90 {
				t.Errorf("Meeting.Duration = %d; want 90", m.Duration)
			}
			if got, want := m.CreateTime.Time(), time.UnixMilli(1764100000000).UTC(); got != want {
				t.Errorf("Meeting.CreateTime = %v; want %v", got, want)
			}
			if !m.Record {
				t.Errorf("Meeting.Record = false; want true")
			}
			if m.MaxUsers != 50 {
				t.Errorf("Meeting.MaxUsers = %d; want 50", m.MaxUsers)
			}
			if diff := cmp.Diff(webhooks.Metadata{"bbb-origin": "Greenlight", "course": "phys101", "quote": `"x" < y`}, m.Metadata); diff != "" {
				t.Errorf("Meeting.Metadata mismatch (-want +got):\n%s", diff)
			}
		},
		webhooks.EventMeetingScreenshareStarted: func(t *testing.T, e webhooks.Event) { user(t, e) },
		webhooks.EventMeetingScreenshareStopped: func(t *testing.T, e webhooks.Event) { user(t, e) },
		webhooks.EventMeetingPresentationChanged: func(t *testing.T, e webhooks.Event) {
			if got, want := e.Attributes.Meeting.PresentationID, "b7c1e2d3f4a5968778695a4b3c2d1e0f11223344-1764100001234"; got != want {
				t.Errorf("Meeting.PresentationID = %q; want %q", got, want)
			}
		},
		webhooks.EventUserJoined: func(t *testing.T, e webhooks.Event) {
			u := user(t, e)
			for _, c := range []struct{ field, got, want string }{
				{"Name", u.Name, "Ada Lovelace"},
				{"Role", u.Role, "MODERATOR"},
				{"IPAddress", u.IPAddress, "198.51.100.23"},
				{"UserAgent", u.UserAgent, "Mozilla/5.0 (X11; Linux x86_64)"},
				{"Referer", u.Referer, "https://portal.example.org/rooms/42"},
				{"SessionToken", u.SessionToken, "tok-9z8y7x6w5v4u"},
			} {
				if c.got != c.want {
					t.Errorf("User.%s = %q; want %q", c.field, c.got, c.want)
				}
			}
			if u.Presenter {
				t.Errorf(`User.Presenter = true; want false ("presenter":"false" is a string in the wire format)`)
			}
			if u.Guest {
				t.Errorf("User.Guest = true; want false")
			}
			if diff := cmp.Diff(webhooks.Metadata{"bbb_avatar_url": "https://cdn.example.org/ada.png", "mobile": "true"}, u.UserData); diff != "" {
				t.Errorf("User.UserData mismatch (-want +got):\n%s", diff)
			}
		},
		webhooks.EventUserLeft: func(t *testing.T, e webhooks.Event) { user(t, e) },
		webhooks.EventUserAudioVoiceEnabled: func(t *testing.T, e webhooks.Event) {
			u := user(t, e)
			if u.ListeningOnly {
				t.Errorf("User.ListeningOnly = true; want false")
			}
			if !u.SharingMic {
				t.Errorf("User.SharingMic = false; want true")
			}
			if u.Muted {
				t.Errorf("User.Muted = true; want false")
			}
		},
		webhooks.EventUserAudioVoiceDisabled: func(t *testing.T, e webhooks.Event) {
			u := user(t, e)
			if u.SharingMic {
				t.Errorf("User.SharingMic = true; want false")
			}
			if !u.Muted {
				t.Errorf("User.Muted = false; want true")
			}
		},
		webhooks.EventUserAudioMuted: func(t *testing.T, e webhooks.Event) {
			if !user(t, e).Muted {
				t.Errorf("User.Muted = false; want true")
			}
		},
		webhooks.EventUserAudioUnmuted: func(t *testing.T, e webhooks.Event) {
			if user(t, e).Muted {
				t.Errorf("User.Muted = true; want false")
			}
		},
		webhooks.EventUserAudioUnhandled: func(t *testing.T, e webhooks.Event) { user(t, e) },
		webhooks.EventUserCamBroadcastStart: func(t *testing.T, e webhooks.Event) {
			if s := user(t, e).Stream; !strings.HasPrefix(s, fxUser+"_") {
				t.Errorf("User.Stream = %q; want prefix %q", s, fxUser+"_")
			}
		},
		webhooks.EventUserCamBroadcastEnd: func(t *testing.T, e webhooks.Event) {
			if s := user(t, e).Stream; !strings.HasPrefix(s, fxUser+"_") {
				t.Errorf("User.Stream = %q; want prefix %q", s, fxUser+"_")
			}
		},
		webhooks.EventUserPresenterAssigned:   func(t *testing.T, e webhooks.Event) { user(t, e) },
		webhooks.EventUserPresenterUnassigned: func(t *testing.T, e webhooks.Event) { user(t, e) },
		webhooks.EventUserEmojiChanged: func(t *testing.T, e webhooks.Event) {
			if got := user(t, e).Emoji; got != "👍" {
				t.Errorf("User.Emoji = %q; want %q", got, "👍")
			}
		},
		webhooks.EventUserRaiseHandChanged: func(t *testing.T, e webhooks.Event) {
			if !user(t, e).RaiseHand {
				t.Errorf("User.RaiseHand = false; want true")
			}
		},
		webhooks.EventChatGroupMessageSent: func(t *testing.T, e webhooks.Event) {
			c := e.Attributes.ChatMessage
			if c == nil {
				t.Fatalf("Attributes.ChatMessage = nil; want a message")
			}
			for _, f := range []struct{ field, got, want string }{
				{"ChatMessage.ID", c.ID, "1764100012345-q7w8e9r0"},
				{"ChatMessage.Message", c.Message, `Is the homework due Friday? <b>bold</b> & "quotes"`},
				{"ChatMessage.Sender.InternalID", c.Sender.InternalID, fxUser},
				{"ChatMessage.Sender.Name", c.Sender.Name, "Ada Lovelace"},
			} {
				if f.got != f.want {
					t.Errorf("%s = %q; want %q", f.field, f.got, f.want)
				}
			}
			if got, want := c.Sender.Time.Time(), time.UnixMilli(1764100012345).UTC(); got != want {
				t.Errorf("ChatMessage.Sender.Time = %v; want %v", got, want)
			}
			if got := e.Attributes.ChatID; got != "MAIN-PUBLIC-GROUP-CHAT" {
				t.Errorf("ChatID = %q; want %q", got, "MAIN-PUBLIC-GROUP-CHAT")
			}
		},
		webhooks.EventPollStarted: func(t *testing.T, e webhooks.Event) {
			user(t, e)
			p := e.Attributes.Poll
			if p == nil {
				t.Fatalf("Attributes.Poll = nil; want a poll")
			}
			if got, want := p.Question, "Which wave is longitudinal?"; got != want {
				t.Errorf("Poll.Question = %q; want %q", got, want)
			}
			if diff := cmp.Diff([]webhooks.PollAnswer{{ID: 0, Key: "Sound"}, {ID: 1, Key: "Light"}, {ID: 2, Key: "Both"}}, p.Answers); diff != "" {
				t.Errorf("Poll.Answers mismatch (-want +got):\n%s", diff)
			}
		},
		webhooks.EventPollResponded: func(t *testing.T, e webhooks.Event) {
			user(t, e)
			if e.Attributes.Poll == nil {
				t.Fatalf("Attributes.Poll = nil; want a poll")
			}
			if diff := cmp.Diff([]webhooks.Int{0, 2}, e.Attributes.Poll.AnswerIDs); diff != "" {
				t.Errorf("Poll.AnswerIDs mismatch (-want +got):\n%s", diff)
			}
			if got := e.Attributes.Poll.ID; !strings.HasSuffix(got, "/1/1764100020000") {
				t.Errorf("Poll.ID = %q; want suffix %q", got, "/1/1764100020000")
			}
		},
		webhooks.EventPadContent: func(t *testing.T, e webhooks.Event) {
			want := &webhooks.Pad{ID: "g.Xy9pQ2$notes", ExternalID: "notes", Rev: 17, Start: 120, End: 134, Text: "wave equation"}
			if diff := cmp.Diff(want, e.Attributes.Pad); diff != "" {
				t.Errorf("Pad mismatch (-want +got):\n%s", diff)
			}
		},
		webhooks.EventTranscriptUpdated: func(t *testing.T, e webhooks.Event) {
			user(t, e)
			want := &webhooks.Transcript{ID: "tr-0003", Text: "today we talk about interference", Locale: "en-US", Final: true}
			if diff := cmp.Diff(want, e.Attributes.Transcript); diff != "" {
				t.Errorf("Transcript mismatch (-want +got):\n%s", diff)
			}
		},
		webhooks.EventRapArchiveEnded: func(t *testing.T, e webhooks.Event) {
			rap(t, e)
			if !e.Attributes.Recorded {
				t.Errorf("Recorded = false; want true")
			}
			if got := e.Attributes.Duration; got != 3723 {
				t.Errorf("Duration = %d; want 3723", got)
			}
			if got := e.Attributes.Workflow; got != "presentation" {
				t.Errorf("Workflow = %q; want %q", got, "presentation")
			}
		},
		webhooks.EventRapPublishEnded: func(t *testing.T, e webhooks.Event) {
			rap(t, e)
			r := e.Attributes.Recording
			if r == nil {
				t.Fatalf("Attributes.Recording = nil; want a recording")
			}
			if got, want := r.Name, "Physics 101 — Waves & Optics"; got != want {
				t.Errorf("Recording.Name = %q; want %q", got, want)
			}
			if got, want := r.StartTime.Time(), time.UnixMilli(1764100000000).UTC(); got != want {
				t.Errorf("Recording.StartTime = %v; want %v", got, want)
			}
			if got, want := r.EndTime.Time(), time.UnixMilli(1764103723000).UTC(); got != want {
				t.Errorf("Recording.EndTime = %v; want %v", got, want)
			}
			if r.Size != 48213377 {
				t.Errorf("Recording.Size = %d; want 48213377", r.Size)
			}
			if r.RawSize != 912345678 {
				t.Errorf("Recording.RawSize = %d; want 912345678", r.RawSize)
			}
			if got := r.Metadata["isBreakout"]; got != "false" {
				t.Errorf(`Recording.Metadata["isBreakout"] = %q; want "false"`, got)
			}
			var pb struct {
				Format string `json:"format"`
				Link   string `json:"link"`
			}
			if err := json.Unmarshal(r.Playback, &pb); err != nil {
				t.Fatalf("unmarshal Recording.Playback %s: %v", r.Playback, err)
			}
			if pb.Format != "presentation" {
				t.Errorf("playback format = %q; want %q", pb.Format, "presentation")
			}
			if !strings.Contains(pb.Link, fxInternal) {
				t.Errorf("playback link = %q; want it to contain %q", pb.Link, fxInternal)
			}
		},
	}
	for _, k := range []webhooks.EventType{webhooks.EventRapPublished, webhooks.EventRapUnpublished, webhooks.EventRapDeleted} {
		checks[k] = func(t *testing.T, e webhooks.Event) {
			if got := e.Attributes.RecordID; got != fxInternal {
				t.Errorf("RecordID = %q; want %q", got, fxInternal)
			}
			if got := e.Attributes.Format; got != "presentation" {
				t.Errorf("Format = %q; want %q", got, "presentation")
			}
		}
	}

	for _, typ := range webhooks.MappedEventTypes() {
		t.Run(string(typ), func(t *testing.T) {
			t.Parallel()
			e := decodeOne(t, "mapped/"+string(typ)+".json")
			if e.Type != typ {
				t.Errorf("Type = %q; want %q", e.Type, typ)
			}
			if !e.Type.Known() {
				t.Errorf("Type.Known() = false; want true")
			}
			if e.Raw {
				t.Errorf("Raw = true; want false")
			}
			if e.Message != nil {
				t.Errorf("Message = %+v; want nil", e.Message)
			}
			if e.Attributes == nil {
				t.Fatalf("Attributes = nil; want attributes")
			}
			if e.MeetingID != fxExternal {
				t.Errorf("MeetingID = %q; want %q", e.MeetingID, fxExternal)
			}
			if e.InternalMeetingID != fxInternal {
				t.Errorf("InternalMeetingID = %q; want %q", e.InternalMeetingID, fxInternal)
			}
			if e.Timestamp.IsZero() {
				t.Errorf("Timestamp is zero; want the event's time")
			}
			if ms := e.Timestamp.UnixMilli() % 1000; ms != 0 {
				t.Errorf("Timestamp = %v; want whole seconds, as in the fixtures", e.Timestamp)
			}
			if c, ok := checks[typ]; ok {
				c(t, e)
			} else if strings.HasPrefix(string(typ), "rap-") {
				rap(t, e)
			}
		})
	}
}

func TestEventCategories(t *testing.T) {
	t.Parallel()
	tests := map[webhooks.EventType]webhooks.Category{
		webhooks.EventMeetingCreated:          webhooks.CategoryMeeting,
		webhooks.EventMeetingRecordingStarted: webhooks.CategoryMeeting,
		webhooks.EventUserJoined:              webhooks.CategoryUser,
		webhooks.EventUserRaiseHandChanged:    webhooks.CategoryUser,
		webhooks.EventUserAudioMuted:          webhooks.CategoryAudio,
		webhooks.EventUserCamBroadcastStart:   webhooks.CategoryCamera,
		webhooks.EventUserPresenterAssigned:   webhooks.CategoryPresenter,
		webhooks.EventChatGroupMessageSent:    webhooks.CategoryChat,
		webhooks.EventPollResponded:           webhooks.CategoryPoll,
		webhooks.EventPadContent:              webhooks.CategoryPad,
		webhooks.EventTranscriptUpdated:       webhooks.CategoryTranscript,
		webhooks.EventRapPostPublishEnded:     webhooks.CategoryRecording,
		webhooks.EventRapDeleted:              webhooks.CategoryRecording,
		"UserJoinedMeetingEvtMsg":             webhooks.CategoryOther,
		"":                                    webhooks.CategoryOther,
	}
	for typ, want := range tests {
		if got := typ.Category(); got != want {
			t.Errorf("EventType(%q).Category() = %q; want %q", typ, got, want)
		}
	}
	for _, typ := range []webhooks.EventType{"user-teleported", "UserJoinedMeetingEvtMsg"} {
		if typ.Known() {
			t.Errorf("EventType(%q).Known() = true; want false", typ)
		}
	}
}

func TestDecodeRawEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, name, meeting, external, user string
		ts                                  int64
	}{
		{"UserJoinedMeetingEvtMsg", "UserJoinedMeetingEvtMsg", fxInternal, "", fxUser, 1764100000500},
		{"MeetingCreatedEvtMsg", "MeetingCreatedEvtMsg", fxInternal, fxExternal, "", 1764100000100},
		{"MeetingDestroyedEvtMsg", "MeetingDestroyedEvtMsg", fxInternal, "", "", 1764100000900},
		{"publish_ended", "publish_ended", fxInternal, fxExternal, "", 1764100000801},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			e := decodeOne(t, "raw/"+tt.file+".json")
			if !e.Raw {
				t.Errorf("Raw = false; want true")
			}
			if e.Attributes != nil {
				t.Errorf("Attributes = %+v; want nil", e.Attributes)
			}
			if e.Message == nil {
				t.Fatalf("Message = nil; want a message")
			}
			if want := webhooks.EventType(tt.name); e.Type != want {
				t.Errorf("Type = %q; want %q", e.Type, want)
			}
			if e.Message.Name != tt.name {
				t.Errorf("Message.Name = %q; want %q", e.Message.Name, tt.name)
			}
			if e.Message.UserID != tt.user {
				t.Errorf("Message.UserID = %q; want %q", e.Message.UserID, tt.user)
			}
			if e.InternalMeetingID != tt.meeting {
				t.Errorf("InternalMeetingID = %q; want %q", e.InternalMeetingID, tt.meeting)
			}
			if e.MeetingID != tt.external {
				t.Errorf("MeetingID = %q; want %q", e.MeetingID, tt.external)
			}
			if want := time.UnixMilli(tt.ts).UTC(); e.Timestamp != want {
				t.Errorf("Timestamp = %v; want %v", e.Timestamp, want)
			}
			if !json.Valid(e.Message.Body) {
				t.Errorf("Message.Body = %s; want valid JSON", e.Message.Body)
			}
			if len(e.Message.Body) == 0 {
				t.Errorf("Message.Body is empty")
			}
		})
	}
}

func TestDecodeLenientAndUnknown(t *testing.T) {
	t.Parallel()
	t.Run("scalars in other JSON types", func(t *testing.T) {
		evs, err := webhooks.ParseEvents([]byte(`[{"data":{"type":"event","id":"user-joined","attributes":{"meeting":{"internal-meeting-id":"i","external-meeting-id":"e","duration":"45","max-users":12.0,"record":"TRUE"},"user":{"internal-user-id":"u","external-user-id":"x","presenter":1,"guest":"false","muted":null}},"event":{"ts":"1764100000000"}}}]`))
		if err != nil {
			t.Fatalf("ParseEvents: %v", err)
		}
		e := evs[0]
		if e.DecodeErr != nil {
			t.Errorf("DecodeErr = %v; want nil", e.DecodeErr)
		}
		if got := e.Attributes.Meeting.Duration; got != 45 {
			t.Errorf("Meeting.Duration = %d; want 45", got)
		}
		if got := e.Attributes.Meeting.MaxUsers; got != 12 {
			t.Errorf("Meeting.MaxUsers = %d; want 12", got)
		}
		if !e.Attributes.Meeting.Record {
			t.Errorf("Meeting.Record = false; want true")
		}
		if !e.Attributes.User.Presenter {
			t.Errorf("User.Presenter = false; want true")
		}
		if e.Attributes.User.Guest {
			t.Errorf("User.Guest = true; want false")
		}
		if want := time.UnixMilli(1764100000000).UTC(); e.Timestamp != want {
			t.Errorf("Timestamp = %v; want %v", e.Timestamp, want)
		}
	})
	t.Run("attribute of an unexpected shape", func(t *testing.T) {
		evs, err := webhooks.ParseEvents([]byte(`[{"data":{"type":"event","id":"user-left","attributes":{"meeting":{"internal-meeting-id":"i","external-meeting-id":"e"},"user":"somebody"},"event":{"ts":5}}}]`))
		if err != nil {
			t.Fatalf("ParseEvents: %v; a shape change inside attributes must not lose the event", err)
		}
		e := evs[0]
		if e.DecodeErr == nil {
			t.Errorf("DecodeErr = nil; want an error")
		}
		if e.Type != webhooks.EventUserLeft {
			t.Errorf("Type = %q; want %q", e.Type, webhooks.EventUserLeft)
		}
		if e.MeetingID != "e" {
			t.Errorf("MeetingID = %q; want %q", e.MeetingID, "e")
		}
		if got := e.Timestamp.UnixMilli(); got != 5 {
			t.Errorf("Timestamp.UnixMilli() = %d; want 5", got)
		}
		if !strings.Contains(string(e.JSON), `"somebody"`) {
			t.Errorf("JSON = %s; want it to contain %q", e.JSON, `"somebody"`)
		}
	})
	t.Run("unknown mapped id", func(t *testing.T) {
		evs, err := webhooks.ParseEvents([]byte(`[{"data":{"type":"event","id":"meeting-teleported","attributes":{"meeting":{"internal-meeting-id":"i","external-meeting-id":"e"},"where":"mars"},"event":{"ts":7}}}]`))
		if err != nil {
			t.Fatalf("ParseEvents: %v", err)
		}
		if evs[0].Type != "meeting-teleported" {
			t.Errorf("Type = %q; want %q", evs[0].Type, "meeting-teleported")
		}
		if evs[0].Type.Known() {
			t.Errorf("Type.Known() = true; want false")
		}
		if got := evs[0].Type.Category(); got != webhooks.CategoryMeeting {
			t.Errorf("Type.Category() = %q; want %q", got, webhooks.CategoryMeeting)
		}
		if !strings.Contains(string(evs[0].JSON), "mars") {
			t.Errorf("JSON = %s; want it to contain %q", evs[0].JSON, "mars")
		}
	})
	t.Run("batch of several", func(t *testing.T) {
		evs, err := webhooks.ParseEvents([]byte("[" + readFixture(t, "mapped/user-joined.json") + " , " + readFixture(t, "raw/publish_ended.json") + "]"))
		if err != nil {
			t.Fatalf("ParseEvents: %v", err)
		}
		if len(evs) != 2 {
			t.Fatalf("ParseEvents returned %d events; want 2", len(evs))
		}
		if evs[0].Raw {
			t.Errorf("events[0].Raw = true; want false")
		}
		if !evs[1].Raw {
			t.Errorf("events[1].Raw = false; want true")
		}
	})
	t.Run("object of unknown shape is a raw event", func(t *testing.T) {
		evs, err := webhooks.ParseEvents([]byte(`[{"something":"else"}]`))
		if err != nil {
			t.Fatalf("ParseEvents: %v", err)
		}
		if !evs[0].Raw {
			t.Errorf("Raw = false; want true")
		}
		if evs[0].Type != "" {
			t.Errorf("Type = %q; want empty", evs[0].Type)
		}
	})
}

func TestParseDeliveryErrors(t *testing.T) {
	t.Parallel()
	_, err := webhooks.ParseDelivery([]byte("event=%5B1%5D"))
	var de *webhooks.DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("ParseDelivery(event=[1]) = %v; want a *webhooks.DecodeError", err)
	}
	if de.Field != "event" {
		t.Errorf("DecodeError.Field = %q; want %q", de.Field, "event")
	}
	if de.Index != 0 {
		t.Errorf("DecodeError.Index = %d; want 0", de.Index)
	}
	if !errors.Is(err, webhooks.ErrMalformed) {
		t.Errorf("ParseDelivery(event=[1]) = %v; want %v", err, webhooks.ErrMalformed)
	}
	if strings.Contains(err.Error(), "%5B") {
		t.Errorf("error %q quotes the raw body", err)
	}

	secretish := `[{"data":{"id":"x","attributes":{"meeting":{"moderator-pass":"hunter2"`
	_, err = webhooks.ParseDelivery([]byte("event=" + formEncode(secretish)))
	if err == nil {
		t.Fatalf("ParseDelivery(truncated event) = nil error; want one")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q contains the password; decode errors never quote the body", err)
	}
}

func TestFixturesAreValidJSON(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{"mapped", "raw"} {
		files, err := os.ReadDir(filepath.Join("testdata", dir))
		if err != nil {
			t.Fatalf("ReadDir: %v", err)
		}
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join("testdata", dir, f.Name()))
			if err != nil {
				t.Fatalf("ReadFile: %v", err)
			}
			if !json.Valid(b) {
				t.Errorf("%s/%s is not valid JSON", dir, f.Name())
			}
		}
	}
}

func TestRedactedJSON(t *testing.T) {
	t.Parallel()
	created := decodeOne(t, "mapped/meeting-created.json")
	want := strings.NewReplacer(`"mod-secret-pw"`, `"[REDACTED]"`, `"view-secret-pw"`, `"[REDACTED]"`).Replace(string(created.JSON))
	if got := string(created.RedactedJSON()); got != want {
		t.Errorf("meeting-created RedactedJSON() = %s; want %s (only the secret values change; order and text are kept)", got, want)
	}

	joined := decodeOne(t, "mapped/user-joined.json")
	red := string(joined.RedactedJSON())
	if strings.Contains(red, "tok-9z8y7x6w5v4u") {
		t.Errorf("user-joined RedactedJSON() = %s; contains the session token", red)
	}
	if want := strings.Replace(string(joined.JSON), `"tok-9z8y7x6w5v4u"`, `"[REDACTED]"`, 1); red != want {
		t.Errorf("user-joined RedactedJSON() = %s; want %s", red, want)
	}

	left := decodeOne(t, "mapped/user-left.json")
	if got := string(left.RedactedJSON()); got != string(left.JSON) {
		t.Errorf("user-left RedactedJSON() = %s; want it unchanged: %s (events without secrets are unchanged)", got, left.JSON)
	}

	for _, tt := range []struct{ in, want string }{
		{`{"a":[1,{"viewer-pass":{"x":[1,2]},"b":true}],"moderatorPass":null,"c":"d"}`, `{"a":[1,{"viewer-pass":"[REDACTED]","b":true}],"moderatorPass":"[REDACTED]","c":"d"}`},
		{`[{"session-token":"s"},{"session-token":["a"]}]`, `[{"session-token":"[REDACTED]"},{"session-token":"[REDACTED]"}]`},
		{`{"x":{"y":{}},"authToken":1.50e3,"z":[]}`, `{"x":{"y":{}},"authToken":"[REDACTED]","z":[]}`},
		{`{"note":"the moderator-pass is secret"}`, `{"note":"the moderator-pass is secret"}`},
	} {
		if got := string(webhooks.RedactJSON([]byte(tt.in))); got != tt.want {
			t.Errorf("RedactJSON(%s) = %s; want %s", tt.in, got, tt.want)
		}
	}
	for _, in := range []string{`{"viewer-pass":`, `{nope`} {
		if got := webhooks.RedactJSON([]byte(in)); got != nil {
			t.Errorf("RedactJSON(%s) = %q; want nil", in, got)
		}
	}
}

func TestRedactEscapedKey(t *testing.T) {
	t.Parallel()
	got := string(webhooks.RedactJSON([]byte(`{"viewer\u002dpass":"pw","x":"\u00e9"}`)))
	if want := `{"viewer-pass":"[REDACTED]","x":"é"}`; got != want {
		t.Errorf("RedactJSON = %s; want %s", got, want)
	}
}
