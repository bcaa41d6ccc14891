package attendance

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/bbbkit/bbbkit/webhooks"
)

// ReportFunc receives the report of a meeting that ended. An error makes
// Deliver fail, so the receiver answers 500 and the sender retries the
// meeting-ended; the report is then made again.
type ReportFunc func(ctx context.Context, r *Report) error

// Tracker folds webhook events into per-meeting attendance and hands a
// Report to a ReportFunc when a meeting ends. Its Deliver is a
// webhooks.DeliveryFunc. It orders each meeting's events by timestamp, as
// bbb-webhooks 3.x delivers them independently. A Tracker is safe for
// concurrent use.
type Tracker struct {
	report ReportFunc
	key    []byte

	mu       sync.Mutex
	meetings map[string]*meeting
	ended    map[string]time.Time // reported meetings, to ignore their late events
}

// endedRetention is how long late events of a reported meeting are
// ignored: more than bbb-webhooks' retry schedule.
const endedRetention = time.Hour

// meeting is the events kept of one meeting until it ends.
type meeting struct {
	extID, name string
	created     time.Time
	events      []record
}

// record is what the Tracker keeps of one event.
type record struct {
	typ    webhooks.EventType
	ts     time.Time
	seq    int // arrival order, for events of the same millisecond
	userID string
	intID  string
	name   string
	role   string
	flag   bool // raise-hand state
}

// Option configures a Tracker.
type Option func(*Tracker) error

// WithPseudonyms removes personal data from the reports: user IDs become
// hex(HMAC-SHA256(key, user ID)) truncated to 128 bits, stable for one key
// so reports of several meetings can be joined, and names are removed. The
// key must have at least 16 bytes.
func WithPseudonyms(key []byte) Option {
	return func(t *Tracker) error {
		if len(key) < 16 {
			return errors.New("attendance: WithPseudonyms needs a key of at least 16 bytes")
		}
		t.key = slices.Clone(key)
		return nil
	}
}

// New returns a Tracker handing reports to fn.
func New(fn ReportFunc, opts ...Option) (*Tracker, error) {
	if fn == nil {
		return nil, errors.New("attendance: nil ReportFunc")
	}
	t := &Tracker{report: fn, meetings: map[string]*meeting{}, ended: map[string]time.Time{}}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("attendance: nil Option")
		}
		if err := o(t); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Deliver folds the events of d; on meeting-ended it builds the meeting's
// report, hands it to the ReportFunc and forgets the meeting.
func (t *Tracker) Deliver(ctx context.Context, d *webhooks.Delivery) error {
	var ended []string
	t.mu.Lock()
	for i := range d.Events {
		ev := &d.Events[i]
		if ev.Raw || ev.InternalMeetingID == "" || ev.Attributes == nil {
			continue
		}
		if _, done := t.ended[ev.InternalMeetingID]; done {
			continue // a late event of a reported meeting
		}
		m := t.meetings[ev.InternalMeetingID]
		if m == nil {
			m = &meeting{extID: ev.MeetingID}
			t.meetings[ev.InternalMeetingID] = m
		}
		ts := ev.Timestamp
		if ts.IsZero() {
			ts = d.Timestamp
		}
		rec := record{typ: ev.Type, ts: ts, seq: len(m.events)}
		if u := ev.Attributes.User; u != nil {
			rec.userID, rec.intID, rec.name, rec.role, rec.flag = u.ExternalID, u.InternalID, u.Name, u.Role, bool(u.RaiseHand)
		}
		switch ev.Type {
		case webhooks.EventMeetingCreated:
			m.name = ev.Attributes.Meeting.Name
			m.created = ev.Attributes.Meeting.CreateTime.Time()
		case webhooks.EventChatGroupMessageSent:
			if cm := ev.Attributes.ChatMessage; cm != nil {
				rec.userID, rec.intID = cm.Sender.ExternalID, cm.Sender.InternalID
			}
		case webhooks.EventMeetingEnded:
			ended = append(ended, ev.InternalMeetingID)
		}
		m.events = append(m.events, rec)
	}
	reports := make([]*Report, 0, len(ended))
	for _, id := range ended {
		reports = append(reports, t.build(id, t.meetings[id]))
	}
	t.mu.Unlock()
	for i, r := range reports {
		if err := t.report(ctx, r); err != nil {
			return err
		}
		t.mu.Lock()
		delete(t.meetings, ended[i])
		t.ended[ended[i]] = time.Now()
		t.mu.Unlock()
	}
	t.pruneEnded(time.Now())
	return nil
}

func (t *Tracker) pruneEnded(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, at := range t.ended {
		if now.Sub(at) > endedRetention {
			delete(t.ended, id)
		}
	}
}

// Open returns the report of a meeting that has not ended yet, with open
// sessions closed at now; false when the Tracker has no event of it.
func (t *Tracker) Open(internalMeetingID string, now time.Time) (*Report, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.meetings[internalMeetingID]
	if m == nil {
		return nil, false
	}
	r := t.fold(internalMeetingID, m, now)
	return r, true
}

// build makes the report of an ended meeting: it ends at its last
// meeting-ended.
func (t *Tracker) build(id string, m *meeting) *Report {
	end := time.Time{}
	for _, e := range m.events {
		if e.typ == webhooks.EventMeetingEnded && e.ts.After(end) {
			end = e.ts
		}
	}
	return t.fold(id, m, end)
}

// fold replays a meeting's events in timestamp order into a Report.
func (t *Tracker) fold(id string, m *meeting, end time.Time) *Report {
	evs := slices.Clone(m.events)
	slices.SortStableFunc(evs, func(a, b record) int {
		return cmp.Or(a.ts.Compare(b.ts), cmp.Compare(a.seq, b.seq))
	})
	r := &Report{MeetingID: m.extID, InternalMeetingID: id, Name: m.name, Start: m.created, End: end, Pseudonymized: t.key != nil}
	if r.Start.IsZero() && len(evs) > 0 {
		r.Start = evs[0].ts
	}
	users := map[string]*User{}
	byInternal := map[string]string{}
	var order []string
	get := func(e record) *User {
		key := cmp.Or(e.userID, byInternal[e.intID], e.intID)
		if key == "" || (users[key] == nil && e.typ != webhooks.EventUserJoined) {
			return nil // only attendees: not the system's chat messages
		}
		if e.intID != "" && e.userID != "" {
			byInternal[e.intID] = e.userID
		}
		u := users[key]
		if u == nil {
			u = &User{UserID: key}
			users[key] = u
			order = append(order, key)
		}
		return u
	}
	for _, e := range evs {
		if e.typ == webhooks.EventMeetingEnded || e.ts.After(end) {
			continue
		}
		u := get(e)
		if u == nil {
			continue
		}
		applyEvent(u, e)
	}
	for _, key := range order {
		u := users[key]
		closeOpen(u, end)
		for _, s := range u.Sessions {
			u.Present += Seconds(s.Leave.Sub(s.Join))
		}
		if t.key != nil {
			u.UserID, u.Name = t.pseudonym(u.UserID), ""
		}
		r.Users = append(r.Users, *u)
	}
	if r.Users == nil {
		r.Users = []User{}
	}
	return r
}

// applyEvent folds one user event.
func applyEvent(u *User, e record) {
	n := len(u.Sessions)
	open := n > 0 && u.Sessions[n-1].Leave.IsZero()
	switch e.typ {
	case webhooks.EventUserJoined:
		if open {
			return // a repeated join while present
		}
		u.Sessions = append(u.Sessions, Session{Join: e.ts})
		u.Name = cmp.Or(e.name, u.Name)
		u.Role = cmp.Or(e.role, u.Role)
	case webhooks.EventUserLeft:
		if open {
			u.Sessions[n-1].Leave = e.ts
		}
	case webhooks.EventUserAudioVoiceEnabled:
		u.AudioJoins++
	case webhooks.EventUserAudioUnmuted:
		u.Unmutes++
	case webhooks.EventUserCamBroadcastStart:
		u.CameraShares++
	case webhooks.EventChatGroupMessageSent:
		u.ChatMessages++
	case webhooks.EventUserRaiseHandChanged:
		if e.flag {
			u.RaisedHands++
		}
	case webhooks.EventPollResponded:
		u.PollResponses++
	case webhooks.EventUserPresenterAssigned:
		u.PresenterTurns++
	}
}

// closeOpen ends a session still open at the meeting's end.
func closeOpen(u *User, end time.Time) {
	if n := len(u.Sessions); n > 0 && u.Sessions[n-1].Leave.IsZero() {
		u.Sessions[n-1].Leave = end
	}
}

func (t *Tracker) pseudonym(id string) string {
	mac := hmac.New(sha256.New, t.key)
	mac.Write([]byte(id))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}
