package webhooks

import (
	"encoding/json"
	"time"
)

// Event is one element of the JSON array in a delivery's event field.
//
// A mapped event (the default kind of hook) has Type set to its data.id,
// Attributes decoded and Message nil. A raw event (a hook created with
// getRaw=true) has Raw set, Type set to the internal message name and
// Message filled. JSON always holds the element exactly as received, so
// nothing the sender put into the event is lost even when this package does
// not know a field.
type Event struct {
	// Type is the mapped id ("user-joined") or the raw message name
	// ("UserJoinedMeetingEvtMsg", "publish_ended"). It can be empty for a raw
	// message of an unknown shape.
	Type EventType
	// Raw is true for raw events.
	Raw bool
	// Timestamp is data.event.ts for mapped events, the envelope timestamp or
	// the RAP header's current_time for raw ones; zero when absent.
	// bbb-webhooks 3.x delivers events independently, so use it, not the
	// arrival order, to order them.
	Timestamp time.Time
	// MeetingID is the external meeting ID (the one given to create). Raw
	// akka-apps messages only carry the internal ID, so it is often empty for
	// raw events.
	MeetingID string
	// InternalMeetingID is BigBlueButton's internal meeting ID (which is also
	// the record ID of the meeting's recording).
	InternalMeetingID string
	// Attributes holds data.attributes of a mapped event; nil for raw events.
	Attributes *Attributes
	// Message holds the common fields of a raw event; nil for mapped events.
	Message *RawMessage
	// DecodeErr is set when data.attributes did not have the shape this
	// package expects (a field holding an object where a string was expected,
	// for example). The event is still delivered: the fields that decoded are
	// set and JSON holds everything.
	DecodeErr error
	// JSON is the element exactly as received.
	JSON json.RawMessage
}

// Attributes is data.attributes of a mapped event. Which fields are set
// depends on the event type; the rest stay zero.
type Attributes struct {
	// Meeting is present in every mapped event.
	Meeting Meeting `json:"meeting"`
	// User is present in user-*, poll-* and transcript-* events and, since
	// 3.0, in meeting-screenshare-* events (the presenter).
	User *User `json:"user,omitempty"`
	// ChatMessage and ChatID are present in chat-group-message-sent.
	ChatMessage *ChatMessage `json:"chat-message,omitempty"`
	ChatID      string       `json:"chat-id,omitempty"`
	// Poll is present in poll-started and poll-responded.
	Poll *Poll `json:"poll,omitempty"`
	// Pad is present in pad-content.
	Pad *Pad `json:"pad,omitempty"`
	// Transcript is present in transcript-updated (bbb-webhooks 3.5+).
	Transcript *Transcript `json:"transcript,omitempty"`

	// RecordID is the recording of rap-* events.
	RecordID string `json:"record-id,omitempty"`
	// Success tells whether a rap-*-ended step succeeded.
	Success Bool `json:"success,omitempty"`
	// StepTime is how long a rap-*-ended step took, as reported by the
	// recording scripts (milliseconds).
	StepTime Int `json:"step-time,omitempty"`
	// Workflow is the recording workflow (such as "presentation"), when sent.
	Workflow string `json:"workflow,omitempty"`
	// Recorded and Duration are sent with rap-archive-ended.
	Recorded Bool `json:"recorded,omitempty"`
	Duration Int  `json:"duration,omitempty"`
	// Format is the playback format of rap-published, rap-unpublished and
	// rap-deleted.
	Format string `json:"format,omitempty"`
	// Recording is sent with rap-publish-ended.
	Recording *Recording `json:"recording,omitempty"`
}

// Meeting is attributes.meeting. Only the two IDs are present in every
// event; meeting-created carries the rest.
type Meeting struct {
	InternalID string `json:"internal-meeting-id"` // BigBlueButton's meeting ID
	ExternalID string `json:"external-meeting-id"` // the meetingID given to create

	Name       string   `json:"name,omitempty"`        // meeting name
	IsBreakout Bool     `json:"is-breakout,omitempty"` // a breakout room
	ParentID   string   `json:"parent-id,omitempty"`   // "bbb-none" when not a breakout room
	Duration   Int      `json:"duration,omitempty"`    // minutes, 0 for unlimited
	CreateTime Millis   `json:"create-time,omitempty"` // createTime of the API
	CreateDate string   `json:"create-date,omitempty"` // the same as text, in the server's zone
	Record     Bool     `json:"record,omitempty"`      // record=true was given to create
	VoiceConf  string   `json:"voice-conf,omitempty"`  // voice bridge number
	DialNumber string   `json:"dial-number,omitempty"` // phone number to dial in
	MaxUsers   Int      `json:"max-users,omitempty"`   // maxParticipants, 0 for no limit
	Metadata   Metadata `json:"metadata,omitempty"`    // meta_* parameters of create, without the prefix
	// ModeratorPass and ViewerPass are the meeting's passwords, sent with
	// meeting-created. Treat them as secrets.
	ModeratorPass string `json:"moderator-pass,omitempty"`
	ViewerPass    string `json:"viewer-pass,omitempty"`
	// PresentationID is sent with meeting-presentation-changed.
	PresentationID string `json:"presentation-id,omitempty"`
	// The media bridges, sent with meeting-created since bbb-webhooks 3.4.
	AudioBridge       string `json:"audioBridge,omitempty"`
	CameraBridge      string `json:"cameraBridge,omitempty"`
	ScreenShareBridge string `json:"screenShareBridge,omitempty"`
}

// User is attributes.user. Which fields are set depends on the event.
type User struct {
	InternalID string   `json:"internal-user-id"`    // BigBlueButton's user ID, such as "w_abc123"
	ExternalID string   `json:"external-user-id"`    // the userID given to join (or the internal ID)
	Name       string   `json:"name,omitempty"`      // full name
	Role       string   `json:"role,omitempty"`      // "MODERATOR" or "VIEWER"
	Presenter  Bool     `json:"presenter,omitempty"` // is the presenter
	Guest      Bool     `json:"guest,omitempty"`     // joined as a guest
	UserData   Metadata `json:"userdata,omitempty"`  // userdata-* parameters of join
	// Stream is the camera stream of user-cam-broadcast-*.
	Stream string `json:"stream,omitempty"`
	// ListeningOnly, SharingMic and Muted describe the audio state in
	// user-audio-* events.
	ListeningOnly Bool `json:"listening-only,omitempty"`
	SharingMic    Bool `json:"sharing-mic,omitempty"`
	Muted         Bool `json:"muted,omitempty"`
	// Emoji is the status of user-emoji-changed ("none" when cleared).
	Emoji string `json:"emoji,omitempty"`
	// RaiseHand is the hand state of user-raise-hand-changed.
	RaiseHand Bool `json:"raise-hand,omitempty"`
	// Client details sent with user-joined since bbb-webhooks 3.5. They are
	// personal data; SessionToken is a credential.
	IPAddress    string `json:"ip-address,omitempty"`
	UserAgent    string `json:"user-agent,omitempty"`
	Referer      string `json:"referer,omitempty"`
	SessionToken string `json:"session-token,omitempty"`
}

// ChatMessage is attributes["chat-message"] of chat-group-message-sent
// (public chat only).
type ChatMessage struct {
	ID      string     `json:"id"`      // message ID
	Message string     `json:"message"` // text as typed (it may contain markup)
	Sender  ChatSender `json:"sender"`  // author
}

// ChatSender is the author of a ChatMessage.
type ChatSender struct {
	InternalID string `json:"internal-user-id"`           // BigBlueButton's user ID
	ExternalID string `json:"external-user-id,omitempty"` // external user ID, when sent
	Name       string `json:"name"`                       // full name
	Time       Millis `json:"time"`                       // when the message was sent
}

// Poll is attributes.poll of poll-started (ID, Question, Answers) and
// poll-responded (ID, AnswerIDs).
type Poll struct {
	ID        string       `json:"id"`                  // poll ID
	Question  string       `json:"question,omitempty"`  // question text (poll-started)
	Answers   []PollAnswer `json:"answers,omitempty"`   // possible answers (poll-started)
	AnswerIDs []Int        `json:"answerIds,omitempty"` // chosen answers (poll-responded)
}

// PollAnswer is one possible answer of a poll.
type PollAnswer struct {
	ID  Int    `json:"id"`  // answer number, from 0
	Key string `json:"key"` // answer text
}

// Pad is attributes.pad of pad-content (shared notes).
type Pad struct {
	ID         string `json:"id"`                        // pad ID
	ExternalID string `json:"external-pad-id,omitempty"` // pad name, such as "notes"
	Rev        Int    `json:"rev,omitempty"`             // revision
	Start      Int    `json:"start,omitempty"`           // offset of the changed text
	End        Int    `json:"end,omitempty"`             // end of the changed text
	Text       string `json:"text,omitempty"`            // the changed text
}

// Transcript is attributes.transcript of transcript-updated.
type Transcript struct {
	ID     string `json:"id,omitempty"`     // transcript segment ID
	Text   string `json:"transcript"`       // recognized text
	Locale string `json:"locale,omitempty"` // language, such as "en-US"
	Final  Bool   `json:"final,omitempty"`  // the segment will not change any more
}

// Recording is attributes.recording of rap-publish-ended.
type Recording struct {
	Name       string   `json:"name"`                  // meeting name
	IsBreakout Bool     `json:"is-breakout,omitempty"` // recording of a breakout room
	StartTime  Millis   `json:"start-time,omitempty"`  // start of the recording
	EndTime    Millis   `json:"end-time,omitempty"`    // end of the recording
	Size       Int      `json:"size,omitempty"`        // bytes of the published playback
	RawSize    Int      `json:"raw-size,omitempty"`    // bytes of the raw recording
	Metadata   Metadata `json:"metadata,omitempty"`    // recording metadata
	// Playback and Download are passed through as sent by the recording
	// scripts (their shape differs between formats).
	Playback json.RawMessage `json:"playback,omitempty"`
	Download json.RawMessage `json:"download,omitempty"`
}

// RawMessage holds the common fields of a raw event: an akka-apps message
// ({"envelope":…,"core":{"header":…,"body":…}}) or a recording script
// message ({"header":{"name":…},"payload":…}).
type RawMessage struct {
	// Name is envelope.name, core.header.name or header.name.
	Name string
	// UserID is the user the message is about, when the routing names one.
	UserID string
	// Body is core.body or payload, as sent.
	Body json.RawMessage
}
