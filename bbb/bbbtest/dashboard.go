package bbbtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// The learningDashboard call (BBB 2.4+, session token, JSON) answers
//
//	{"response": {"returncode": "SUCCESS", "data": "<JSON text>", "sessionToken": "…"}}
//
// where data is the activity report bbb-apps-akka's LearningDashboardActor
// keeps for the meeting: intId, extId, name, createdOn, endedOn, users (by
// user key, extId + "-1"), polls, screenshares and presentationSlides. The
// fake fills in what it knows: who joined and left when (intIds with
// registeredOn and leftOn), the role, and public chat messages posted with
// PostChat (totalOfMessages). It does not simulate talking, webcams,
// reactions or polls, so those stay zero and empty. A token that is not a
// current session answers FAILED "Invalid session token", and a session of
// a viewer FAILED "Access denied", both as bbb-web words them (the dashboard
// is for moderators).

// dashboardData is the JSON document carried in the answer's data field.
type dashboardData struct {
	IntID              string                   `json:"intId"`
	ExtID              string                   `json:"extId"`
	Name               string                   `json:"name"`
	Users              map[string]dashboardUser `json:"users"`
	Polls              map[string]any           `json:"polls"`
	Screenshares       []any                    `json:"screenshares"`
	PresentationSlides []any                    `json:"presentationSlides"`
	CreatedOn          int64                    `json:"createdOn"`
	EndedOn            int64                    `json:"endedOn"`
}

type dashboardUser struct {
	UserKey         string                     `json:"userKey"`
	ExtID           string                     `json:"extId"`
	IntIDs          map[string]dashboardUserID `json:"intIds"`
	Name            string                     `json:"name"`
	IsModerator     bool                       `json:"isModerator"`
	IsDialIn        bool                       `json:"isDialIn"`
	CurrentIntID    *string                    `json:"currentIntId"`
	Answers         map[string][]string        `json:"answers"`
	Talk            dashboardTalk              `json:"talk"`
	Emojis          []any                      `json:"emojis"`
	Reactions       []any                      `json:"reactions"`
	RaiseHand       []any                      `json:"raiseHand"`
	Webcams         []any                      `json:"webcams"`
	TotalOfMessages int64                      `json:"totalOfMessages"`
}

type dashboardUserID struct {
	IntID        string `json:"intId"`
	RegisteredOn int64  `json:"registeredOn"`
	LeftOn       int64  `json:"leftOn"`
	UserLeftFlag bool   `json:"userLeftFlag"`
}

type dashboardTalk struct {
	TotalTime         int64 `json:"totalTime"`
	LastTalkStartedOn int64 `json:"lastTalkStartedOn"`
}

func (s *Server) apiLearningDashboard(w http.ResponseWriter, _ *http.Request, q url.Values) {
	tok := q.Get("sessionToken")
	data, msg := s.learningDashboard(tok)
	resp := map[string]any{"returncode": "SUCCESS", "data": string(data), "sessionToken": tok}
	if msg != "" {
		resp = map[string]any{"returncode": "FAILED", "message": msg, "sessionToken": tok}
	}
	s.writeJSON(w, mustJSON(map[string]any{"response": resp}))
}

// learningDashboard returns the report of the meeting of session tok, or
// the message of a refusal.
func (s *Server) learningDashboard(tok string) ([]byte, string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sess := s.sessions[tok]
	if sess == nil || tok == "" {
		return nil, "Invalid session token"
	}
	if sess.user.role != "MODERATOR" {
		return nil, "Access denied" // bbb-web 3.0 UserSessionConstraint wording
	}
	m := sess.meeting
	d := dashboardData{
		IntID: m.intID, ExtID: m.extID, Name: m.name,
		Users: map[string]dashboardUser{}, Polls: map[string]any{},
		Screenshares: []any{}, PresentationSlides: []any{},
		CreatedOn: m.createTime, EndedOn: m.endTime,
	}
	for _, u := range m.attendance {
		key := u.extID + "-1"
		du, ok := d.Users[key]
		if !ok {
			du = dashboardUser{
				UserKey: key, ExtID: u.extID, IntIDs: map[string]dashboardUserID{}, Name: u.name,
				Answers: map[string][]string{}, Emojis: []any{}, Reactions: []any{}, RaiseHand: []any{}, Webcams: []any{},
			}
		}
		du.IsModerator = u.role == "MODERATOR"
		du.IntIDs[u.intID] = dashboardUserID{IntID: u.intID, RegisteredOn: u.joinedMS, LeftOn: u.leftMS}
		if u.leftMS == 0 {
			id := u.intID
			du.CurrentIntID = &id
		}
		du.TotalOfMessages += u.chats
		d.Users[key] = du
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, "internal error"
	}
	return b, ""
}

// PostChat posts message to the public chat of a meeting as one of its
// attendees (by external or internal user ID), as the client would. It
// counts in the user's totalOfMessages of learningDashboard and emits a
// chat-group-message-sent event.
func (s *Server) PostChat(meetingID, userID, message string) error {
	s.fireDue()
	if message == "" {
		return fmt.Errorf("bbbtest: empty chat message")
	}
	evs, err := s.postUserChat(meetingID, userID, message)
	if err != nil {
		return err
	}
	s.emit(evs)
	return nil
}

func (s *Server) postUserChat(meetingID, userID, message string) ([]Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.byExternal[meetingID]
	if m == nil {
		return nil, fmt.Errorf("%w: meeting", ErrNotFound)
	}
	u := findUser(m, userID)
	if u == nil || u.waiting {
		return nil, fmt.Errorf("%w: user", ErrNotFound)
	}
	u.chats++
	cm := ChatMessage{UserName: u.name, Message: message, Time: s.now(), UserID: u.intID}
	m.chat = append(m.chat, cm)
	return []Event{s.evChat(m, cm)}, nil
}
