package webhooks

import (
	"slices"
	"strings"
)

// EventType names an event. For mapped events it is the id bbb-webhooks puts
// in data.id, such as "user-joined"; for raw events (hooks created with
// getRaw=true) it is the name of the internal message, such as
// "UserJoinedMeetingEvtMsg" or "publish_ended".
type EventType string

// The mapped event ids of bbb-webhooks 3.x (src/process/event.js). Events
// with other ids are delivered as well, with their JSON kept and the common
// fields decoded.
const (
	EventMeetingCreated             EventType = "meeting-created"
	EventMeetingEnded               EventType = "meeting-ended"
	EventMeetingRecordingStarted    EventType = "meeting-recording-started"
	EventMeetingRecordingStopped    EventType = "meeting-recording-stopped"
	EventMeetingRecordingUnhandled  EventType = "meeting-recording-unhandled"
	EventMeetingScreenshareStarted  EventType = "meeting-screenshare-started"
	EventMeetingScreenshareStopped  EventType = "meeting-screenshare-stopped"
	EventMeetingPresentationChanged EventType = "meeting-presentation-changed"

	EventUserJoined              EventType = "user-joined"
	EventUserLeft                EventType = "user-left"
	EventUserAudioVoiceEnabled   EventType = "user-audio-voice-enabled"
	EventUserAudioVoiceDisabled  EventType = "user-audio-voice-disabled"
	EventUserAudioMuted          EventType = "user-audio-muted"
	EventUserAudioUnmuted        EventType = "user-audio-unmuted"
	EventUserAudioUnhandled      EventType = "user-audio-unhandled"
	EventUserCamBroadcastStart   EventType = "user-cam-broadcast-start"
	EventUserCamBroadcastEnd     EventType = "user-cam-broadcast-end"
	EventUserPresenterAssigned   EventType = "user-presenter-assigned"
	EventUserPresenterUnassigned EventType = "user-presenter-unassigned"
	EventUserEmojiChanged        EventType = "user-emoji-changed"
	EventUserRaiseHandChanged    EventType = "user-raise-hand-changed"

	EventChatGroupMessageSent EventType = "chat-group-message-sent"
	EventPollStarted          EventType = "poll-started"
	EventPollResponded        EventType = "poll-responded"
	EventPadContent           EventType = "pad-content"
	EventTranscriptUpdated    EventType = "transcript-updated"

	EventRapPublished          EventType = "rap-published"
	EventRapUnpublished        EventType = "rap-unpublished"
	EventRapDeleted            EventType = "rap-deleted"
	EventRapArchiveStarted     EventType = "rap-archive-started"
	EventRapArchiveEnded       EventType = "rap-archive-ended"
	EventRapSanityStarted      EventType = "rap-sanity-started"
	EventRapSanityEnded        EventType = "rap-sanity-ended"
	EventRapPostArchiveStarted EventType = "rap-post-archive-started"
	EventRapPostArchiveEnded   EventType = "rap-post-archive-ended"
	EventRapProcessStarted     EventType = "rap-process-started"
	EventRapProcessEnded       EventType = "rap-process-ended"
	EventRapPostProcessStarted EventType = "rap-post-process-started"
	EventRapPostProcessEnded   EventType = "rap-post-process-ended"
	EventRapPublishStarted     EventType = "rap-publish-started"
	EventRapPublishEnded       EventType = "rap-publish-ended"
	EventRapPostPublishStarted EventType = "rap-post-publish-started"
	EventRapPostPublishEnded   EventType = "rap-post-publish-ended"
)

// mappedTypes lists every mapped id above in the order of bbb-webhooks'
// OUTPUT_EVENTS (plus transcript-updated, added in 3.5).
var mappedTypes = []EventType{
	EventMeetingCreated, EventMeetingEnded, EventMeetingRecordingStarted,
	EventMeetingRecordingStopped, EventMeetingRecordingUnhandled,
	EventMeetingScreenshareStarted, EventMeetingScreenshareStopped,
	EventMeetingPresentationChanged,
	EventUserJoined, EventUserLeft, EventUserAudioVoiceEnabled,
	EventUserAudioVoiceDisabled, EventUserAudioMuted, EventUserAudioUnmuted,
	EventUserAudioUnhandled, EventUserCamBroadcastStart, EventUserCamBroadcastEnd,
	EventUserPresenterAssigned, EventUserPresenterUnassigned,
	EventUserEmojiChanged, EventUserRaiseHandChanged,
	EventChatGroupMessageSent,
	EventRapPublished, EventRapUnpublished, EventRapDeleted,
	EventPadContent,
	EventRapArchiveStarted, EventRapArchiveEnded, EventRapSanityStarted,
	EventRapSanityEnded, EventRapPostArchiveStarted, EventRapPostArchiveEnded,
	EventRapProcessStarted, EventRapProcessEnded, EventRapPostProcessStarted,
	EventRapPostProcessEnded, EventRapPublishStarted, EventRapPublishEnded,
	EventRapPostPublishStarted, EventRapPostPublishEnded,
	EventPollStarted, EventPollResponded,
	EventTranscriptUpdated,
}

// MappedEventTypes returns every mapped event id this package knows, in a
// fresh slice the caller may modify.
func MappedEventTypes() []EventType {
	return append([]EventType(nil), mappedTypes...)
}

// Known reports whether t is one of the mapped event ids of bbb-webhooks 3.x.
func (t EventType) Known() bool {
	return slices.Contains(mappedTypes, t)
}

// Category groups event types by what they are about.
type Category string

// The categories of Category.
const (
	CategoryMeeting    Category = "meeting"    // meeting-*
	CategoryUser       Category = "user"       // user-joined, user-left, user-emoji-changed, user-raise-hand-changed
	CategoryAudio      Category = "audio"      // user-audio-*
	CategoryCamera     Category = "camera"     // user-cam-*
	CategoryPresenter  Category = "presenter"  // user-presenter-*
	CategoryChat       Category = "chat"       // chat-*
	CategoryPoll       Category = "poll"       // poll-*
	CategoryPad        Category = "pad"        // pad-*
	CategoryTranscript Category = "transcript" // transcript-*
	CategoryRecording  Category = "recording"  // rap-*
	CategoryOther      Category = "other"      // anything else, including raw message names
)

// categoryPrefixes maps id prefixes to categories, the more specific
// user-* prefixes before "user-".
var categoryPrefixes = []struct {
	prefix string
	cat    Category
}{
	{"user-audio-", CategoryAudio},
	{"user-cam-", CategoryCamera},
	{"user-presenter-", CategoryPresenter},
	{"user-", CategoryUser},
	{"meeting-", CategoryMeeting},
	{"chat-", CategoryChat},
	{"poll-", CategoryPoll},
	{"pad-", CategoryPad},
	{"transcript-", CategoryTranscript},
	{"rap-", CategoryRecording},
}

// Category tells what the event is about, from the prefix of its id; raw
// message names and unknown prefixes give CategoryOther.
func (t EventType) Category() Category {
	for _, p := range categoryPrefixes {
		if strings.HasPrefix(string(t), p.prefix) {
			return p.cat
		}
	}
	return CategoryOther
}
