package webhooks_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, raw, string(evs[0].JSON), "the original JSON is kept byte for byte")
	assert.NoError(t, evs[0].DecodeErr)
	return evs[0]
}

func TestEveryMappedTypeHasAFixture(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "mapped", "*.json"))
	require.NoError(t, err)
	have := map[webhooks.EventType]bool{}
	for _, f := range files {
		have[webhooks.EventType(strings.TrimSuffix(filepath.Base(f), ".json"))] = true
	}
	for _, typ := range webhooks.MappedEventTypes() {
		assert.True(t, have[typ], "no fixture for %s", typ)
	}
	assert.Len(t, have, len(webhooks.MappedEventTypes()))
}

func TestDecodeMappedEvents(t *testing.T) {
	t.Parallel()
	user := func(t *testing.T, e webhooks.Event) *webhooks.User {
		t.Helper()
		require.NotNil(t, e.Attributes.User)
		assert.Equal(t, fxUser, e.Attributes.User.InternalID)
		assert.Equal(t, "student-7", e.Attributes.User.ExternalID)
		return e.Attributes.User
	}
	rap := func(t *testing.T, e webhooks.Event) {
		t.Helper()
		assert.Equal(t, fxInternal, e.Attributes.RecordID)
		if strings.HasSuffix(string(e.Type), "-ended") {
			assert.True(t, bool(e.Attributes.Success))
			assert.Equal(t, webhooks.Int(1534), e.Attributes.StepTime)
		}
	}
	checks := map[webhooks.EventType]func(*testing.T, webhooks.Event){
		webhooks.EventMeetingCreated: func(t *testing.T, e webhooks.Event) {
			m := e.Attributes.Meeting
			assert.Equal(t, "Physics 101 — Waves & Optics", m.Name)
			assert.False(t, bool(m.IsBreakout))
			assert.Equal(t, "bbb-none", m.ParentID)
			assert.Equal(t, webhooks.Int(90), m.Duration)
			assert.Equal(t, time.UnixMilli(1764100000000).UTC(), m.CreateTime.Time())
			assert.Equal(t, "mod-secret-pw", m.ModeratorPass)
			assert.Equal(t, "view-secret-pw", m.ViewerPass)
			assert.True(t, bool(m.Record))
			assert.Equal(t, "71234", m.VoiceConf)
			assert.Equal(t, "+1-555-0100", m.DialNumber)
			assert.Equal(t, webhooks.Int(50), m.MaxUsers)
			assert.Equal(t, webhooks.Metadata{"bbb-origin": "Greenlight", "course": "phys101", "quote": `"x" < y`}, m.Metadata)
			assert.Equal(t, "freeswitch", m.AudioBridge)
			assert.Equal(t, "bbb-webrtc-sfu", m.CameraBridge)
			assert.Equal(t, "bbb-webrtc-sfu", m.ScreenShareBridge)
		},
		webhooks.EventMeetingScreenshareStarted: func(t *testing.T, e webhooks.Event) { user(t, e) },
		webhooks.EventMeetingScreenshareStopped: func(t *testing.T, e webhooks.Event) { user(t, e) },
		webhooks.EventMeetingPresentationChanged: func(t *testing.T, e webhooks.Event) {
			assert.Equal(t, "b7c1e2d3f4a5968778695a4b3c2d1e0f11223344-1764100001234", e.Attributes.Meeting.PresentationID)
		},
		webhooks.EventUserJoined: func(t *testing.T, e webhooks.Event) {
			u := user(t, e)
			assert.Equal(t, "Ada Lovelace", u.Name)
			assert.Equal(t, "MODERATOR", u.Role)
			assert.False(t, bool(u.Presenter), `"presenter":"false" is a string in the wire format`)
			assert.False(t, bool(u.Guest))
			assert.Equal(t, webhooks.Metadata{"bbb_avatar_url": "https://cdn.example.org/ada.png", "mobile": "true"}, u.UserData)
			assert.Equal(t, "198.51.100.23", u.IPAddress)
			assert.Equal(t, "Mozilla/5.0 (X11; Linux x86_64)", u.UserAgent)
			assert.Equal(t, "https://portal.example.org/rooms/42", u.Referer)
			assert.Equal(t, "tok-9z8y7x6w5v4u", u.SessionToken)
		},
		webhooks.EventUserLeft: func(t *testing.T, e webhooks.Event) { user(t, e) },
		webhooks.EventUserAudioVoiceEnabled: func(t *testing.T, e webhooks.Event) {
			u := user(t, e)
			assert.False(t, bool(u.ListeningOnly))
			assert.True(t, bool(u.SharingMic))
			assert.False(t, bool(u.Muted))
		},
		webhooks.EventUserAudioVoiceDisabled: func(t *testing.T, e webhooks.Event) {
			u := user(t, e)
			assert.False(t, bool(u.SharingMic))
			assert.True(t, bool(u.Muted))
		},
		webhooks.EventUserAudioMuted:          func(t *testing.T, e webhooks.Event) { assert.True(t, bool(user(t, e).Muted)) },
		webhooks.EventUserAudioUnmuted:        func(t *testing.T, e webhooks.Event) { assert.False(t, bool(user(t, e).Muted)) },
		webhooks.EventUserAudioUnhandled:      func(t *testing.T, e webhooks.Event) { user(t, e) },
		webhooks.EventUserCamBroadcastStart:   func(t *testing.T, e webhooks.Event) { assert.True(t, strings.HasPrefix(user(t, e).Stream, fxUser+"_")) },
		webhooks.EventUserCamBroadcastEnd:     func(t *testing.T, e webhooks.Event) { assert.True(t, strings.HasPrefix(user(t, e).Stream, fxUser+"_")) },
		webhooks.EventUserPresenterAssigned:   func(t *testing.T, e webhooks.Event) { user(t, e) },
		webhooks.EventUserPresenterUnassigned: func(t *testing.T, e webhooks.Event) { user(t, e) },
		webhooks.EventUserEmojiChanged:        func(t *testing.T, e webhooks.Event) { assert.Equal(t, "👍", user(t, e).Emoji) },
		webhooks.EventUserRaiseHandChanged:    func(t *testing.T, e webhooks.Event) { assert.True(t, bool(user(t, e).RaiseHand)) },
		webhooks.EventChatGroupMessageSent: func(t *testing.T, e webhooks.Event) {
			c := e.Attributes.ChatMessage
			require.NotNil(t, c)
			assert.Equal(t, "1764100012345-q7w8e9r0", c.ID)
			assert.Equal(t, `Is the homework due Friday? <b>bold</b> & "quotes"`, c.Message)
			assert.Equal(t, fxUser, c.Sender.InternalID)
			assert.Equal(t, "Ada Lovelace", c.Sender.Name)
			assert.Equal(t, time.UnixMilli(1764100012345).UTC(), c.Sender.Time.Time())
			assert.Equal(t, "MAIN-PUBLIC-GROUP-CHAT", e.Attributes.ChatID)
		},
		webhooks.EventPollStarted: func(t *testing.T, e webhooks.Event) {
			user(t, e)
			p := e.Attributes.Poll
			require.NotNil(t, p)
			assert.Equal(t, "Which wave is longitudinal?", p.Question)
			assert.Equal(t, []webhooks.PollAnswer{{ID: 0, Key: "Sound"}, {ID: 1, Key: "Light"}, {ID: 2, Key: "Both"}}, p.Answers)
		},
		webhooks.EventPollResponded: func(t *testing.T, e webhooks.Event) {
			user(t, e)
			require.NotNil(t, e.Attributes.Poll)
			assert.Equal(t, []webhooks.Int{0, 2}, e.Attributes.Poll.AnswerIDs)
			assert.True(t, strings.HasSuffix(e.Attributes.Poll.ID, "/1/1764100020000"))
		},
		webhooks.EventPadContent: func(t *testing.T, e webhooks.Event) {
			assert.Equal(t, &webhooks.Pad{ID: "g.Xy9pQ2$notes", ExternalID: "notes", Rev: 17, Start: 120, End: 134, Text: "wave equation"}, e.Attributes.Pad)
		},
		webhooks.EventTranscriptUpdated: func(t *testing.T, e webhooks.Event) {
			user(t, e)
			assert.Equal(t, &webhooks.Transcript{ID: "tr-0003", Text: "today we talk about interference", Locale: "en-US", Final: true}, e.Attributes.Transcript)
		},
		webhooks.EventRapArchiveEnded: func(t *testing.T, e webhooks.Event) {
			rap(t, e)
			assert.True(t, bool(e.Attributes.Recorded))
			assert.Equal(t, webhooks.Int(3723), e.Attributes.Duration)
			assert.Equal(t, "presentation", e.Attributes.Workflow)
		},
		webhooks.EventRapPublishEnded: func(t *testing.T, e webhooks.Event) {
			rap(t, e)
			r := e.Attributes.Recording
			require.NotNil(t, r)
			assert.Equal(t, "Physics 101 — Waves & Optics", r.Name)
			assert.Equal(t, time.UnixMilli(1764100000000).UTC(), r.StartTime.Time())
			assert.Equal(t, time.UnixMilli(1764103723000).UTC(), r.EndTime.Time())
			assert.Equal(t, webhooks.Int(48213377), r.Size)
			assert.Equal(t, webhooks.Int(912345678), r.RawSize)
			assert.Equal(t, "false", r.Metadata["isBreakout"])
			var pb struct {
				Format string `json:"format"`
				Link   string `json:"link"`
			}
			require.NoError(t, json.Unmarshal(r.Playback, &pb))
			assert.Equal(t, "presentation", pb.Format)
			assert.Contains(t, pb.Link, fxInternal)
		},
	}
	for _, k := range []webhooks.EventType{webhooks.EventRapPublished, webhooks.EventRapUnpublished, webhooks.EventRapDeleted} {
		checks[k] = func(t *testing.T, e webhooks.Event) {
			assert.Equal(t, fxInternal, e.Attributes.RecordID)
			assert.Equal(t, "presentation", e.Attributes.Format)
		}
	}

	for _, typ := range webhooks.MappedEventTypes() {
		t.Run(string(typ), func(t *testing.T) {
			t.Parallel()
			e := decodeOne(t, "mapped/"+string(typ)+".json")
			assert.Equal(t, typ, e.Type)
			assert.True(t, e.Type.Known())
			assert.False(t, e.Raw)
			assert.Nil(t, e.Message)
			require.NotNil(t, e.Attributes)
			assert.Equal(t, fxExternal, e.MeetingID)
			assert.Equal(t, fxInternal, e.InternalMeetingID)
			assert.False(t, e.Timestamp.IsZero())
			assert.Equal(t, int64(0), e.Timestamp.UnixMilli()%1000, "fixture timestamps are whole seconds")
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
		assert.Equal(t, want, typ.Category(), string(typ))
	}
	assert.False(t, webhooks.EventType("user-teleported").Known())
	assert.False(t, webhooks.EventType("UserJoinedMeetingEvtMsg").Known())
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
			assert.True(t, e.Raw)
			assert.Nil(t, e.Attributes)
			require.NotNil(t, e.Message)
			assert.Equal(t, webhooks.EventType(tt.name), e.Type)
			assert.Equal(t, tt.name, e.Message.Name)
			assert.Equal(t, tt.user, e.Message.UserID)
			assert.Equal(t, tt.meeting, e.InternalMeetingID)
			assert.Equal(t, tt.external, e.MeetingID)
			assert.Equal(t, time.UnixMilli(tt.ts).UTC(), e.Timestamp)
			assert.True(t, json.Valid(e.Message.Body))
			assert.NotEmpty(t, e.Message.Body)
		})
	}
}

func TestDecodeLenientAndUnknown(t *testing.T) {
	t.Parallel()
	t.Run("scalars in other JSON types", func(t *testing.T) {
		evs, err := webhooks.ParseEvents([]byte(`[{"data":{"type":"event","id":"user-joined","attributes":{"meeting":{"internal-meeting-id":"i","external-meeting-id":"e","duration":"45","max-users":12.0,"record":"TRUE"},"user":{"internal-user-id":"u","external-user-id":"x","presenter":1,"guest":"false","muted":null}},"event":{"ts":"1764100000000"}}}]`))
		require.NoError(t, err)
		e := evs[0]
		assert.NoError(t, e.DecodeErr)
		assert.Equal(t, webhooks.Int(45), e.Attributes.Meeting.Duration)
		assert.Equal(t, webhooks.Int(12), e.Attributes.Meeting.MaxUsers)
		assert.True(t, bool(e.Attributes.Meeting.Record))
		assert.True(t, bool(e.Attributes.User.Presenter))
		assert.False(t, bool(e.Attributes.User.Guest))
		assert.Equal(t, time.UnixMilli(1764100000000).UTC(), e.Timestamp)
	})
	t.Run("attribute of an unexpected shape", func(t *testing.T) {
		evs, err := webhooks.ParseEvents([]byte(`[{"data":{"type":"event","id":"user-left","attributes":{"meeting":{"internal-meeting-id":"i","external-meeting-id":"e"},"user":"somebody"},"event":{"ts":5}}}]`))
		require.NoError(t, err, "a shape change inside attributes must not lose the event")
		e := evs[0]
		assert.Error(t, e.DecodeErr)
		assert.Equal(t, webhooks.EventUserLeft, e.Type)
		assert.Equal(t, "e", e.MeetingID)
		assert.Equal(t, int64(5), e.Timestamp.UnixMilli())
		assert.Contains(t, string(e.JSON), `"somebody"`)
	})
	t.Run("unknown mapped id", func(t *testing.T) {
		evs, err := webhooks.ParseEvents([]byte(`[{"data":{"type":"event","id":"meeting-teleported","attributes":{"meeting":{"internal-meeting-id":"i","external-meeting-id":"e"},"where":"mars"},"event":{"ts":7}}}]`))
		require.NoError(t, err)
		assert.Equal(t, webhooks.EventType("meeting-teleported"), evs[0].Type)
		assert.False(t, evs[0].Type.Known())
		assert.Equal(t, webhooks.CategoryMeeting, evs[0].Type.Category())
		assert.Contains(t, string(evs[0].JSON), "mars")
	})
	t.Run("batch of several", func(t *testing.T) {
		evs, err := webhooks.ParseEvents([]byte("[" + readFixture(t, "mapped/user-joined.json") + " , " + readFixture(t, "raw/publish_ended.json") + "]"))
		require.NoError(t, err)
		require.Len(t, evs, 2)
		assert.False(t, evs[0].Raw)
		assert.True(t, evs[1].Raw)
	})
	t.Run("object of unknown shape is a raw event", func(t *testing.T) {
		evs, err := webhooks.ParseEvents([]byte(`[{"something":"else"}]`))
		require.NoError(t, err)
		assert.True(t, evs[0].Raw)
		assert.Empty(t, evs[0].Type)
	})
}

func TestParseDeliveryErrors(t *testing.T) {
	t.Parallel()
	_, err := webhooks.ParseDelivery([]byte("event=%5B1%5D"))
	var de *webhooks.DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "event", de.Field)
	assert.Equal(t, 0, de.Index)
	assert.ErrorIs(t, err, webhooks.ErrMalformed)
	assert.NotContains(t, err.Error(), "%5B")

	secretish := `[{"data":{"id":"x","attributes":{"meeting":{"moderator-pass":"hunter2"`
	_, err = webhooks.ParseDelivery([]byte("event=" + formEncode(secretish)))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2", "decode errors never quote the body")
}

func TestFixturesAreValidJSON(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{"mapped", "raw"} {
		files, err := os.ReadDir(filepath.Join("testdata", dir))
		require.NoError(t, err)
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join("testdata", dir, f.Name()))
			require.NoError(t, err)
			assert.True(t, json.Valid(b), f.Name())
		}
	}
}

func TestRedactedJSON(t *testing.T) {
	t.Parallel()
	created := decodeOne(t, "mapped/meeting-created.json")
	want := strings.NewReplacer(`"mod-secret-pw"`, `"[REDACTED]"`, `"view-secret-pw"`, `"[REDACTED]"`).Replace(string(created.JSON))
	assert.Equal(t, want, string(created.RedactedJSON()), "only the secret values change; order and text are kept")

	joined := decodeOne(t, "mapped/user-joined.json")
	red := string(joined.RedactedJSON())
	assert.NotContains(t, red, "tok-9z8y7x6w5v4u")
	assert.Equal(t, strings.Replace(string(joined.JSON), `"tok-9z8y7x6w5v4u"`, `"[REDACTED]"`, 1), red)

	left := decodeOne(t, "mapped/user-left.json")
	assert.Equal(t, string(left.JSON), string(left.RedactedJSON()), "events without secrets are unchanged")

	for _, tt := range []struct{ in, want string }{
		{`{"a":[1,{"viewer-pass":{"x":[1,2]},"b":true}],"moderatorPass":null,"c":"d"}`, `{"a":[1,{"viewer-pass":"[REDACTED]","b":true}],"moderatorPass":"[REDACTED]","c":"d"}`},
		{`[{"session-token":"s"},{"session-token":["a"]}]`, `[{"session-token":"[REDACTED]"},{"session-token":"[REDACTED]"}]`},
		{`{"x":{"y":{}},"authToken":1.50e3,"z":[]}`, `{"x":{"y":{}},"authToken":"[REDACTED]","z":[]}`},
		{`{"note":"the moderator-pass is secret"}`, `{"note":"the moderator-pass is secret"}`},
	} {
		assert.Equal(t, tt.want, string(webhooks.RedactJSON([]byte(tt.in))), tt.in)
	}
	assert.Nil(t, webhooks.RedactJSON([]byte(`{"viewer-pass":`)))
	assert.Nil(t, webhooks.RedactJSON([]byte(`{nope`)))
}

func TestRedactEscapedKey(t *testing.T) {
	t.Parallel()
	got := string(webhooks.RedactJSON([]byte(`{"viewer\u002dpass":"pw","x":"\u00e9"}`)))
	assert.Equal(t, `{"viewer-pass":"[REDACTED]","x":"é"}`, got)
}
