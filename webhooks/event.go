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
	InternalID string `json:"internal-meeting-id"`
	ExternalID string `json:"external-meeting-id"`

	Name       string   `json:"name,omitempty"`
	IsBreakout Bool     `json:"is-breakout,omitempty"`
	ParentID   string   `json:"parent-id,omitempty"` // "bbb-none" when not a breakout room
	Duration   Int      `json:"duration,omitempty"`  // minutes, 0 for unlimited
	CreateTime Millis   `json:"create-time,omitempty"`
	CreateDate string   `json:"create-date,omitempty"`
	Record     Bool     `json:"record,omitempty"`
	VoiceConf  string   `json:"voice-conf,omitempty"`
	DialNumber string   `json:"dial-number,omitempty"`
	MaxUsers   Int      `json:"max-users,omitempty"`
	Metadata   Metadata `json:"metadata,omitempty"`
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
	InternalID string   `json:"internal-user-id"`
	ExternalID string   `json:"external-user-id"`
	Name       string   `json:"name,omitempty"`
	Role       string   `json:"role,omitempty"` // "MODERATOR" or "VIEWER"
	Presenter  Bool     `json:"presenter,omitempty"`
	Guest      Bool     `json:"guest,omitempty"`
	UserData   Metadata `json:"userdata,omitempty"`
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
	ID      string     `json:"id"`
	Message string     `json:"message"`
	Sender  ChatSender `json:"sender"`
}

// ChatSender is the author of a ChatMessage.
type ChatSender struct {
	InternalID string `json:"internal-user-id"`
	ExternalID string `json:"external-user-id,omitempty"`
	Name       string `json:"name"`
	Time       Millis `json:"time"`
}

// Poll is attributes.poll of poll-started (ID, Question, Answers) and
// poll-responded (ID, AnswerIDs).
type Poll struct {
	ID        string       `json:"id"`
	Question  string       `json:"question,omitempty"`
	Answers   []PollAnswer `json:"answers,omitempty"`
	AnswerIDs []Int        `json:"answerIds,omitempty"`
}

// PollAnswer is one possible answer of a poll.
type PollAnswer struct {
	ID  Int    `json:"id"`
	Key string `json:"key"`
}

// Pad is attributes.pad of pad-content (shared notes).
type Pad struct {
	ID         string `json:"id"`
	ExternalID string `json:"external-pad-id,omitempty"`
	Rev        Int    `json:"rev,omitempty"`
	Start      Int    `json:"start,omitempty"`
	End        Int    `json:"end,omitempty"`
	Text       string `json:"text,omitempty"`
}

// Transcript is attributes.transcript of transcript-updated.
type Transcript struct {
	ID     string `json:"id,omitempty"`
	Text   string `json:"transcript"`
	Locale string `json:"locale,omitempty"`
	Final  Bool   `json:"final,omitempty"`
}

// Recording is attributes.recording of rap-publish-ended.
type Recording struct {
	Name       string   `json:"name"`
	IsBreakout Bool     `json:"is-breakout,omitempty"`
	StartTime  Millis   `json:"start-time,omitempty"`
	EndTime    Millis   `json:"end-time,omitempty"`
	Size       Int      `json:"size,omitempty"`
	RawSize    Int      `json:"raw-size,omitempty"`
	Metadata   Metadata `json:"metadata,omitempty"`
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
