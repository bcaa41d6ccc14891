package bbbtest

import (
	"strconv"
	"time"
)

// Event is one event as bbb-webhooks maps it: what the server delivers to
// webhooks and passes to an observer (WithObserver).
type Event struct {
	// ID is the mapped event id, such as "meeting-created", "user-joined"
	// or "rap-publish-ended".
	ID string
	// MeetingID is the external meeting ID; InternalMeetingID bbb's own.
	MeetingID         string
	InternalMeetingID string
	// Time is the event's data.event.ts.
	Time time.Time
	// JSON is the mapped event, one element of the "event" array of a
	// callback: {"data":{"type":"event","id":...,"attributes":...,"event":{"ts":...}}}.
	JSON []byte
	// Raw is the event in the shape of the Redis message bbb-webhooks
	// forwards to hooks registered with getRaw=true.
	Raw []byte
}

func meetingRef(intID, extID string) obj {
	return obj{{"internal-meeting-id", intID}, {"external-meeting-id", extID}}
}

func (s *Server) newEvent(id, intID, extID string, tsMS int64, attrs obj, raw []byte) Event {
	data := obj{{"data", obj{
		{"type", "event"},
		{"id", id},
		{"attributes", attrs},
		{"event", obj{{"ts", tsMS}}},
	}}}
	return Event{
		ID:                id,
		MeetingID:         extID,
		InternalMeetingID: intID,
		Time:              time.UnixMilli(tsMS).UTC(),
		JSON:              appendJSON(nil, data),
		Raw:               raw,
	}
}

func akkaRaw(name, meetingID, userID string, ts int64, body obj) []byte {
	return appendJSON(nil, obj{
		{"envelope", obj{
			{"name", name},
			{"routing", obj{{"meetingId", meetingID}, {"userId", nilIfEmpty(userID)}}},
			{"timestamp", ts},
		}},
		{"core", obj{
			{"header", obj{{"name", name}, {"meetingId", meetingID}, {"userId", nilIfEmpty(userID)}}},
			{"body", body},
		}},
	})
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Server) evMeetingCreated(m *meeting) Event {
	ts := s.nowMS()
	createDate := javaDate(time.UnixMilli(m.createTime))
	attrs := obj{{"meeting", obj{
		{"internal-meeting-id", m.intID},
		{"external-meeting-id", m.extID},
		{"name", m.name},
		{"is-breakout", m.isBreakout},
		{"parent-id", m.parentID},
		{"duration", m.duration},
		{"create-time", m.createTime},
		{"create-date", createDate},
		{"moderator-pass", m.moderatorPW},
		{"viewer-pass", m.attendeePW},
		{"record", m.record},
		{"voice-conf", m.voiceBridge},
		{"dial-number", m.dialNumber},
		{"max-users", m.maxUsers},
		{"metadata", copyMap(m.meta)},
		{"audioBridge", m.audioBridge},
		{"cameraBridge", m.cameraBridge},
		{"screenShareBridge", m.screenShareBridge},
	}}}
	raw := akkaRaw("MeetingCreatedEvtMsg", m.intID, "", ts, obj{{"props", obj{
		{"meetingProp", obj{{"name", m.name}, {"extId", m.extID}, {"intId", m.intID}, {"isBreakout", m.isBreakout}}},
		{"breakoutProps", obj{{"parentId", m.parentID}, {"sequence", m.sequence}, {"freeJoin", m.freeJoin}}},
		{"durationProps", obj{{"duration", m.duration}, {"createdTime", m.createTime}, {"createdDate", createDate}}},
		{"password", obj{{"moderatorPass", m.moderatorPW}, {"viewerPass", m.attendeePW}}},
		{"recordProp", obj{{"record", m.record}}},
		{"voiceProp", obj{{"voiceConf", m.voiceBridge}, {"dialNumber", m.dialNumber}}},
		{"usersProp", obj{{"maxUsers", m.maxUsers}}},
		{"metadataProp", obj{{"metadata", copyMap(m.meta)}}},
	}}})
	return s.newEvent("meeting-created", m.intID, m.extID, ts, attrs, raw)
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (s *Server) evMeetingEnded(m *meeting) Event {
	ts := s.nowMS()
	raw := akkaRaw("MeetingDestroyedEvtMsg", m.intID, "", ts, obj{{"meetingId", m.intID}})
	return s.newEvent("meeting-ended", m.intID, m.extID, ts, obj{{"meeting", meetingRef(m.intID, m.extID)}}, raw)
}

func (s *Server) evUserJoined(m *meeting, u *user) Event {
	ts := s.nowMS()
	var userdata any
	if len(u.custom) > 0 {
		userdata = copyMap(u.custom)
	}
	attrs := obj{
		{"meeting", meetingRef(m.intID, m.extID)},
		{"user", obj{
			{"internal-user-id", u.intID},
			{"external-user-id", u.extID},
			{"name", u.name},
			{"role", u.role},
			{"presenter", u.presenter},
			{"userdata", userdata},
		}},
	}
	raw := akkaRaw("UserJoinedMeetingEvtMsg", m.intID, u.intID, ts, obj{
		{"intId", u.intID}, {"extId", u.extID}, {"name", u.name}, {"role", u.role},
		{"guest", u.guest}, {"presenter", u.presenter}, {"clientType", u.clientType},
	})
	return s.newEvent("user-joined", m.intID, m.extID, ts, attrs, raw)
}

func (s *Server) evUserLeft(m *meeting, u *user) Event {
	ts := s.nowMS()
	attrs := obj{
		{"meeting", meetingRef(m.intID, m.extID)},
		{"user", obj{{"internal-user-id", u.intID}, {"external-user-id", u.extID}}},
	}
	raw := akkaRaw("UserLeftMeetingEvtMsg", m.intID, u.intID, ts, obj{
		{"intId", u.intID}, {"eject", false}, {"ejectedBy", ""}, {"reason", ""}, {"reasonCode", ""},
	})
	return s.newEvent("user-left", m.intID, m.extID, ts, attrs, raw)
}

func (s *Server) evChat(m *meeting, cm ChatMessage) Event {
	ts := cm.Time.UnixMilli()
	id := strconv.FormatInt(ts, 10) + "-" + s.randString(8, lowerAlnum)
	sender := orDefault(cm.UserID, "SYSTEM")
	attrs := obj{
		{"meeting", meetingRef(m.intID, m.extID)},
		{"chat-message", obj{
			{"id", id},
			{"message", cm.Message},
			{"sender", obj{{"internal-user-id", sender}, {"name", cm.UserName}, {"time", ts}}},
		}},
		{"chat-id", "MAIN-PUBLIC-GROUP-CHAT"},
	}
	raw := akkaRaw("GroupChatMessageBroadcastEvtMsg", m.intID, sender, ts, obj{
		{"chatId", "MAIN-PUBLIC-GROUP-CHAT"},
		{"msg", obj{{"id", id}, {"timestamp", ts}, {"sender", obj{{"id", sender}, {"name", cm.UserName}, {"role", ""}}}, {"message", cm.Message}}},
	})
	return s.newEvent("chat-group-message-sent", m.intID, m.extID, ts, attrs, raw)
}

// rapSteps maps the mapped rap-* ids to the record-and-playback step names
// of the raw messages.
var rapSteps = map[string]string{
	"rap-archive-started": "archive_started", "rap-archive-ended": "archive_ended",
	"rap-sanity-started": "sanity_started", "rap-sanity-ended": "sanity_ended",
	"rap-process-started": "process_started", "rap-process-ended": "process_ended",
	"rap-publish-started": "publish_started", "rap-publish-ended": "publish_ended",
	"rap-post-publish-started": "post_publish_started", "rap-post-publish-ended": "post_publish_ended",
	"rap-published": "published", "rap-unpublished": "unpublished", "rap-deleted": "deleted",
}

// evRap builds a record-and-playback step event; extra holds the
// additional attributes of rap-archive-ended.
func (s *Server) evRap(id string, r *recording, ts int64, extra map[string]any) Event {
	attrs := obj{
		{"meeting", meetingRef(r.id, r.extMeetingID)},
		{"record-id", r.id},
		{"success", true},
		{"step-time", int64(0)},
	}
	if extra != nil {
		attrs = append(attrs, kv{"recorded", extra["recorded"]}, kv{"duration", extra["duration"]})
	}
	workflow := id != "rap-archive-started" && id != "rap-archive-ended" && id != "rap-sanity-started" && id != "rap-sanity-ended"
	if workflow {
		attrs = append(attrs, kv{"workflow", "presentation"})
	}
	if id == "rap-publish-ended" {
		var images []any
		for _, im := range s.previewImages(r) {
			images = append(images, obj{
				{"attributes", obj{{"width", im.width}, {"height", im.height}, {"alt", im.alt}}},
				{"value", im.url},
			})
		}
		playback := obj{
			{"format", "presentation"},
			{"link", s.playbackURL(r.id)},
			{"processing_time", r.processingTime},
			{"duration", r.endTime - r.startTime},
			{"extensions", obj{{"preview", obj{{"images", obj{{"image", images}}}}}}},
			{"size", r.size},
		}
		attrs = append(attrs, kv{"recording", obj{
			{"name", r.name},
			{"is-breakout", r.isBreakout},
			{"start-time", r.startTime},
			{"end-time", r.endTime},
			{"size", r.size},
			{"raw-size", r.rawSize},
			{"metadata", copyMap(r.meta)},
			{"playback", playback},
		}})
	}
	payload := obj{
		{"success", true},
		{"step_time", int64(0)},
		{"record_id", r.id},
		{"meeting_id", r.id},
		{"external_meeting_id", r.extMeetingID},
	}
	if workflow {
		payload = append(payload, kv{"workflow", "presentation"})
	}
	raw := appendJSON(nil, obj{
		{"header", obj{{"timestamp", ts}, {"name", rapSteps[id]}, {"current_time", ts}, {"version", "0.0.1"}}},
		{"payload", payload},
	})
	return s.newEvent(id, r.id, r.extMeetingID, ts, attrs, raw)
}

// evRapFormat builds rap-published, rap-unpublished and rap-deleted.
func (s *Server) evRapFormat(id string, r *recording, ts int64) Event {
	attrs := obj{
		{"meeting", meetingRef(r.id, r.extMeetingID)},
		{"record-id", r.id},
		{"format", "presentation"},
	}
	raw := appendJSON(nil, obj{
		{"header", obj{{"timestamp", ts}, {"name", rapSteps[id]}, {"current_time", ts}, {"version", "0.0.1"}}},
		{"payload", obj{{"meeting_id", r.id}, {"external_meeting_id", r.extMeetingID}, {"format", "presentation"}}},
	})
	return s.newEvent(id, r.id, r.extMeetingID, ts, attrs, raw)
}
