package bbbtest

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ErrNotFound is returned by test controls for a meeting, user or
// recording that does not exist.
var ErrNotFound = errors.New("bbbtest: not found")

// JoinError is returned by Server.Join when bbb-web would refuse the join.
type JoinError struct {
	Key     string // bbb-web's messageKey, such as "maxParticipantsReached"
	Message string
}

// Error implements error.
func (e *JoinError) Error() string { return "bbbtest: join refused: " + e.Key + ": " + e.Message }

// Is makes errors.Is(err, ErrNotFound) true for a join refused because the
// meeting does not exist.
func (e *JoinError) Is(target error) bool { return target == ErrNotFound && e.Key == "notFound" }

// User describes a user that joins a meeting through Server.Join, as if
// the HTML5 client had connected.
type User struct {
	FullName   string
	Role       string // "MODERATOR" or "VIEWER" (default VIEWER)
	UserID     string // external user ID; generated when empty
	ClientType string // default "HTML5"
	Guest      bool
	ListenOnly bool
	Voice      bool
	Video      bool
	CustomData map[string]string // what userdata-* parameters give
}

// JoinedUser identifies a user after Join.
type JoinedUser struct {
	UserID         string // external user ID
	InternalUserID string
	SessionToken   string
	// Waiting is true for a guest held in the waiting room of a meeting
	// created with guestPolicy=ASK_MODERATOR; see AdmitGuest.
	Waiting bool
}

// Join makes a user join a meeting, with the checks of the join API call
// (createTime aside): the meeting must exist and not be full. The meeting
// starts running, the user appears in getMeetingInfo, and user-joined is
// delivered to webhooks.
func (s *Server) Join(meetingID string, u User) (JoinedUser, error) {
	s.fireDue()
	role := u.Role
	if role == "" {
		role = "VIEWER"
	}
	s.mu.Lock()
	_, usr, evs, jerr := s.joinLocked(joinRequest{
		meetingID: meetingID, fullName: u.FullName, role: role, userID: u.UserID,
		clientType: u.ClientType, guest: u.Guest, listenOnly: u.ListenOnly,
		voice: u.Voice, video: u.Video, custom: u.CustomData,
	})
	var out JoinedUser
	if jerr == nil {
		out = JoinedUser{UserID: usr.extID, InternalUserID: usr.intID, SessionToken: usr.sessionToken, Waiting: usr.waiting}
	}
	s.mu.Unlock()
	s.emit(evs)
	if jerr != nil {
		return JoinedUser{}, &JoinError{Key: jerr.key, Message: jerr.msg}
	}
	return out, nil
}

// Leave makes a user (external or internal user ID) leave a meeting. When
// the last user leaves, the meeting ends after the empty-meeting timeout.
func (s *Server) Leave(meetingID, userID string) error {
	s.fireDue()
	s.mu.Lock()
	m := s.byExternal[meetingID]
	if m == nil {
		s.mu.Unlock()
		return fmt.Errorf("%w: meeting", ErrNotFound)
	}
	u := findUser(m, userID)
	if u == nil {
		s.mu.Unlock()
		return fmt.Errorf("%w: user", ErrNotFound)
	}
	evs := s.leaveLocked(m, u)
	s.mu.Unlock()
	s.emit(evs)
	return nil
}

// findUser looks a user up by external or internal ID among the attendees
// and the waiting guests of m.
func findUser(m *meeting, userID string) *user {
	for _, list := range [][]*user{m.users, m.waiting} {
		for _, u := range list {
			if u.extID == userID || u.intID == userID {
				return u
			}
		}
	}
	return nil
}

// AdmitGuest lets a waiting guest in (allow true: the guest becomes an
// attendee and user-joined is delivered) or turns it away (allow false: its
// session ends), as a moderator does in the waiting room.
func (s *Server) AdmitGuest(meetingID, userID string, allow bool) error {
	s.fireDue()
	s.mu.Lock()
	m := s.byExternal[meetingID]
	var u *user
	if m != nil {
		u = findUser(m, userID)
	}
	if u == nil || !u.waiting {
		s.mu.Unlock()
		return fmt.Errorf("%w: waiting guest", ErrNotFound)
	}
	for i, x := range m.waiting {
		if x == u {
			m.waiting = append(m.waiting[:i:i], m.waiting[i+1:]...)
			break
		}
	}
	var evs []Event
	if allow {
		evs = []Event{s.admitLocked(m, u)}
	} else {
		delete(s.sessions, u.sessionToken)
	}
	s.mu.Unlock()
	s.emit(evs)
	return nil
}

// EndMeeting ends a meeting as if its last user had left and the
// empty-meeting timeout had run out: users leave, the meeting ends, and a
// recorded meeting that anybody joined becomes a recording.
func (s *Server) EndMeeting(meetingID string) error {
	s.fireDue()
	s.mu.Lock()
	m := s.byExternal[meetingID]
	if m == nil {
		s.mu.Unlock()
		return fmt.Errorf("%w: meeting", ErrNotFound)
	}
	evs := s.endMeetingLocked(m, false)
	s.mu.Unlock()
	s.emit(evs)
	return nil
}

// ProcessRecordings publishes every recording still processing, without
// waiting for the publish delay, and reports how many it published.
func (s *Server) ProcessRecordings() int {
	s.fireDue()
	s.mu.Lock()
	var evs []Event
	n := 0
	for _, r := range s.recordings {
		if r.state == StateProcessing {
			evs = append(evs, s.publishProcessedLocked(r)...)
			n++
		}
	}
	s.mu.Unlock()
	s.emit(evs)
	return n
}

// RecordingSpec describes a recording added directly with AddRecording.
type RecordingSpec struct {
	MeetingID    string // external meeting ID (required)
	Name         string // default: MeetingID
	State        string // default StatePublished
	Start, End   time.Time
	Participants int
	Metadata     map[string]string
}

// AddRecording adds a recording without running a meeting, for tests that
// need many recordings (pagination, filters). It returns the record ID,
// sha1(meetingID)-startMillis like bbb's.
func (s *Server) AddRecording(spec RecordingSpec) (string, error) {
	s.fireDue()
	if spec.MeetingID == "" {
		return "", errors.New("bbbtest: recording without meeting ID")
	}
	state := spec.State
	if state == "" {
		state = StatePublished
	}
	if !validStates[state] || state == "any" {
		return "", fmt.Errorf("bbbtest: invalid recording state %q", state)
	}
	start := spec.Start
	if start.IsZero() {
		start = s.now().Add(-time.Hour)
	}
	end := spec.End
	if end.IsZero() || end.Before(start) {
		end = start.Add(30 * time.Minute)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ms := start.UnixMilli()
	id := sha1Hex(spec.MeetingID) + "-" + strconv.FormatInt(ms, 10)
	for s.recByID[id] != nil || s.byInternal[id] != nil {
		ms++
		id = sha1Hex(spec.MeetingID) + "-" + strconv.FormatInt(ms, 10)
	}
	r := &recording{
		id:           id,
		extMeetingID: spec.MeetingID,
		name:         orDefault(spec.Name, spec.MeetingID),
		state:        state,
		startTime:    ms,
		endTime:      end.UnixMilli(),
		participants: spec.Participants,
		meta:         map[string]string{"isBreakout": "false", "meetingId": spec.MeetingID, "meetingName": orDefault(spec.Name, spec.MeetingID)},
	}
	r.rawSize = 4096 + (r.endTime-r.startTime)*32
	r.size = r.rawSize / 4
	s.setFileSizeLocked(r)
	for k, v := range spec.Metadata {
		r.meta[k] = v
	}
	if r.published() {
		if err := s.writeRecordingFilesLocked(r); err != nil {
			return "", fmt.Errorf("bbbtest: writing the recording's files: %w", err)
		}
	}
	s.recordings = append(s.recordings, r)
	s.recByID[id] = r
	return id, nil
}

// Reset forgets every meeting, recording and hook (permanent hooks stay)
// and clears faults. Pending webhook deliveries continue.
func (s *Server) Reset() {
	s.mu.Lock()
	for id, stop := range s.timers {
		stop()
		delete(s.timers, id)
	}
	for _, r := range s.recordings {
		if r.published() {
			_ = s.removeRecordingFilesLocked(r.id)
		}
	}
	s.meetings = nil
	s.byExternal = map[string]*meeting{}
	s.byInternal = map[string]*meeting{}
	s.sessions = map[string]*session{}
	s.recordings = nil
	s.recByID = map[string]*recording{}
	s.voiceBridges = map[string]bool{}
	var keep []*hook
	for _, h := range s.hooks {
		if h.permanent {
			keep = append(keep, h)
		}
	}
	s.hooks = keep
	s.mu.Unlock()
	s.ClearFaults()
	s.faults.mu.Lock()
	s.faults.deliveries = nil
	s.faults.mu.Unlock()
}

// MeetingState is a snapshot of a meeting.
type MeetingState struct {
	MeetingID         string            `json:"meetingID"`
	InternalMeetingID string            `json:"internalMeetingID"`
	Name              string            `json:"name"`
	ParentMeetingID   string            `json:"parentMeetingID"`
	Running           bool              `json:"running"`
	Record            bool              `json:"record"`
	HasUserJoined     bool              `json:"hasUserJoined"`
	CreateTime        time.Time         `json:"createTime"`
	VoiceBridge       string            `json:"voiceBridge"`
	MaxParticipants   int               `json:"maxParticipants"`
	Metadata          map[string]string `json:"metadata"`
	Attendees         []AttendeeState   `json:"attendees"`
	WaitingGuests     []AttendeeState   `json:"waitingGuests"`
	BreakoutRooms     []string          `json:"breakoutRooms"`
	Documents         []Document        `json:"documents"`
	Chat              []ChatMessage     `json:"chat"`
}

// AttendeeState is a snapshot of a user in a meeting.
type AttendeeState struct {
	UserID         string            `json:"userID"`
	InternalUserID string            `json:"internalUserID"`
	FullName       string            `json:"fullName"`
	Role           string            `json:"role"`
	Presenter      bool              `json:"presenter"`
	Guest          bool              `json:"guest"`
	ListenOnly     bool              `json:"listenOnly"`
	Voice          bool              `json:"voice"`
	Video          bool              `json:"video"`
	ClientType     string            `json:"clientType"`
	CustomData     map[string]string `json:"customData"`
}

// RecordingState is a snapshot of a recording.
type RecordingState struct {
	RecordID     string            `json:"recordID"`
	MeetingID    string            `json:"meetingID"`
	Name         string            `json:"name"`
	State        string            `json:"state"`
	StartTime    time.Time         `json:"startTime"`
	EndTime      time.Time         `json:"endTime"`
	Participants int               `json:"participants"`
	Metadata     map[string]string `json:"metadata"`
	TextTracks   []TextTrack       `json:"textTracks"`
	// FilesError is the last failure to write or remove the recording's
	// files under WithRecordingsDir, empty when there was none.
	FilesError string `json:"filesError,omitempty"`
}

// HookState is a snapshot of a registered webhook.
type HookState struct {
	HookID      string   `json:"hookID"`
	CallbackURL string   `json:"callbackURL"`
	MeetingID   string   `json:"meetingID"`
	EventIDs    []string `json:"eventIDs"`
	Raw         bool     `json:"raw"`
	Permanent   bool     `json:"permanent"`
}

func snapshotMeeting(m *meeting) MeetingState {
	ms := MeetingState{
		MeetingID: m.extID, InternalMeetingID: m.intID, Name: m.name, ParentMeetingID: m.parentID,
		Running: m.running, Record: m.record, HasUserJoined: m.hasUserJoined,
		CreateTime: msToTime(m.createTime), VoiceBridge: m.voiceBridge, MaxParticipants: m.maxUsers,
		Metadata:      copyMap(m.meta),
		BreakoutRooms: append([]string(nil), m.breakoutRooms...),
		Documents:     append([]Document(nil), m.documents...),
		Chat:          append([]ChatMessage(nil), m.chat...),
	}
	snap := func(u *user) AttendeeState {
		return AttendeeState{
			UserID: u.extID, InternalUserID: u.intID, FullName: u.name, Role: u.role,
			Presenter: u.presenter, Guest: u.guest, ListenOnly: u.listenOnly, Voice: u.voice,
			Video: u.video, ClientType: u.clientType, CustomData: copyMap(u.custom),
		}
	}
	for _, u := range m.users {
		ms.Attendees = append(ms.Attendees, snap(u))
	}
	for _, u := range m.waiting {
		ms.WaitingGuests = append(ms.WaitingGuests, snap(u))
	}
	return ms
}

// Meetings returns a snapshot of the running meetings in creation order.
func (s *Server) Meetings() []MeetingState {
	s.fireDue()
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]MeetingState, 0, len(s.meetings))
	for _, m := range s.meetings {
		out = append(out, snapshotMeeting(m))
	}
	return out
}

// Meeting returns a snapshot of one meeting by external ID.
func (s *Server) Meeting(meetingID string) (MeetingState, bool) {
	s.fireDue()
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := s.byExternal[meetingID]
	if m == nil {
		return MeetingState{}, false
	}
	return snapshotMeeting(m), true
}

// Recordings returns a snapshot of every recording, deleted ones included.
func (s *Server) Recordings() []RecordingState {
	s.fireDue()
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]RecordingState, 0, len(s.recordings))
	for _, r := range s.recordings {
		out = append(out, RecordingState{
			RecordID: r.id, MeetingID: r.extMeetingID, Name: r.name, State: r.state,
			StartTime: msToTime(r.startTime), EndTime: msToTime(r.endTime),
			Participants: r.participants, Metadata: copyMap(r.meta),
			TextTracks: append([]TextTrack(nil), r.tracks...),
			FilesError: r.filesErr,
		})
	}
	return out
}

// Hooks returns a snapshot of the registered hooks.
func (s *Server) Hooks() []HookState {
	s.fireDue()
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]HookState, 0, len(s.hooks))
	for _, h := range s.hooks {
		out = append(out, HookState{
			HookID: h.id, CallbackURL: h.callback, MeetingID: h.meetingID,
			EventIDs: append([]string(nil), h.eventIDs...), Raw: h.rawData, Permanent: h.permanent,
		})
	}
	return out
}

// Deliveries returns the log of webhook delivery attempts (the last 1000),
// oldest first.
func (s *Server) Deliveries() []Delivery {
	s.fireDue()
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return append([]Delivery(nil), s.faults.deliveries...)
}
