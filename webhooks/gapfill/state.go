package gapfill

import (
	"time"

	"github.com/bbbkit/bbbkit/webhooks"
)

// meetingState is what the Filler believes about one meeting, from the
// events the application got (real or synthesized).
type meetingState struct {
	intID, extID string
	server       string // pool server ID, when a poll saw it
	announced    bool   // meeting-created reached the application
	ended        bool
	changed      time.Time // when the state last changed (wall clock)
	users        map[string]userState
}

type userState struct {
	intID   string
	changed time.Time
}

// knows reports whether a user with this external or internal ID is
// present.
func (m *meetingState) knows(id string) bool {
	if _, ok := m.users[id]; ok {
		return true
	}
	for _, u := range m.users {
		if u.intID == id {
			return true
		}
	}
	return false
}

// userKey identifies a user in a meeting: getMeetings lists attendees by
// the user ID given to join, which events carry as external-user-id.
func userKey(u *webhooks.User) string {
	if u.ExternalID != "" {
		return u.ExternalID
	}
	return u.InternalID
}

// repeats tells whether an event repeats a state the application already
// has, and is to be dropped.
func (f *Filler) repeats(ev *webhooks.Event) bool {
	if ev.Raw || ev.InternalMeetingID == "" {
		return false
	}
	m := f.meetings[ev.InternalMeetingID]
	if m == nil {
		return false
	}
	switch ev.Type {
	case webhooks.EventMeetingCreated:
		return m.announced
	case webhooks.EventMeetingEnded:
		return m.ended
	case webhooks.EventUserJoined:
		_, present := m.users[userKey(ev.Attributes.User)]
		return present || m.ended
	case webhooks.EventUserLeft:
		_, present := m.users[userKey(ev.Attributes.User)]
		return !present
	}
	return false
}

// apply commits the state change of an event the application took.
func (f *Filler) apply(ev *webhooks.Event, server string, now time.Time) {
	if ev.Raw || ev.InternalMeetingID == "" {
		return
	}
	m := f.meetings[ev.InternalMeetingID]
	if m == nil {
		m = &meetingState{intID: ev.InternalMeetingID, extID: ev.MeetingID, server: server, users: map[string]userState{}}
		f.meetings[ev.InternalMeetingID] = m
	}
	if m.server == "" {
		m.server = server
	}
	switch ev.Type {
	case webhooks.EventMeetingCreated:
		m.announced, m.changed = true, now
	case webhooks.EventMeetingEnded:
		m.ended, m.changed = true, now
		clear(m.users)
	case webhooks.EventUserJoined:
		u := ev.Attributes.User
		m.users[userKey(u)] = userState{intID: u.InternalID, changed: now}
	case webhooks.EventUserLeft:
		delete(m.users, userKey(ev.Attributes.User))
	}
}

// prune forgets meetings that ended longer ago than the retention.
func (f *Filler) prune(now time.Time) {
	for id, m := range f.meetings {
		if m.ended && now.Sub(m.changed) > f.cfg.retention {
			delete(f.meetings, id)
		}
	}
}
