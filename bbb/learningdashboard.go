package bbb

import (
	"encoding/json"
	"fmt"
	"time"
)

// LearningDashboard is the answer of learningDashboard: the activity report
// that bbb-web keeps for a running meeting (the JSON document the learning
// dashboard page shows), decoded. Data keeps the document as sent, for
// fields bbbkit has no name for.
type LearningDashboard struct {
	Answer
	DashboardMeeting
	// Data is the report as the server sent it (a JSON document).
	Data json.RawMessage
}

// DashboardMeeting is the meeting part of a learning dashboard report.
type DashboardMeeting struct {
	InternalMeetingID          string `json:"intId"`
	MeetingID                  string `json:"extId"`
	Name                       string `json:"name"`
	DownloadSessionDataEnabled bool   `json:"downloadSessionDataEnabled"`
	// Users are keyed by the report's user key (external user ID and a
	// sequence number).
	Users              map[string]DashboardUser `json:"users"`
	Polls              map[string]DashboardPoll `json:"polls"`
	Screenshares       []DashboardPeriod        `json:"screenshares"`
	PresentationSlides []DashboardSlide         `json:"presentationSlides"`
	CreatedOn          Millis                   `json:"createdOn"`
	EndedOn            Millis                   `json:"endedOn"` // zero while the meeting runs
}

// DashboardUser is one user of a learning dashboard report.
type DashboardUser struct {
	UserKey      string `json:"userKey"`
	UserID       string `json:"extId"` // external user ID
	Name         string `json:"name"`
	IsModerator  bool   `json:"isModerator"`
	IsDialIn     bool   `json:"isDialIn"`
	Color        string `json:"color"`
	Avatar       string `json:"avatar"`
	CurrentIntID string `json:"currentIntId"` // empty once the user left
	// Sessions are keyed by internal user ID, one per join.
	Sessions map[string]DashboardUserSessions `json:"intIds"`
	// Answers are the user's poll answers, keyed by poll ID.
	Answers         map[string][]string `json:"answers"`
	Talk            DashboardTalk       `json:"talk"`
	Reactions       []DashboardReaction `json:"reactions"` // "emojis" on older servers
	RaiseHand       []Millis            `json:"raiseHand"`
	Away            []DashboardPeriod   `json:"away"`
	Webcams         []DashboardPeriod   `json:"webcams"`
	TotalOfMessages int64               `json:"totalOfMessages"` // public chat messages
}

// UnmarshalJSON implements json.Unmarshaler: it also reads the "emojis"
// of older servers' reports into Reactions.
func (u *DashboardUser) UnmarshalJSON(data []byte) error {
	type plain DashboardUser
	var wire struct {
		plain
		Emojis []DashboardReaction `json:"emojis"`
	}
	if err := json.Unmarshal(data, &wire); err != nil {
		return err
	}
	*u = DashboardUser(wire.plain)
	if len(u.Reactions) == 0 {
		u.Reactions = wire.Emojis
	}
	return nil
}

// DashboardUserSessions are the joins of one internal user ID.
type DashboardUserSessions struct {
	InternalUserID string             `json:"intId"`
	Sessions       []DashboardSession `json:"sessions"`
	UserLeftFlag   bool               `json:"userLeftFlag"`
}

// UnmarshalJSON implements json.Unmarshaler: older servers' reports
// give one session per internal user ID as registeredOn and leftOn
// beside intId; they become the one entry of Sessions.
func (s *DashboardUserSessions) UnmarshalJSON(data []byte) error {
	type plain DashboardUserSessions
	var wire struct {
		plain
		RegisteredOn Millis `json:"registeredOn"`
		LeftOn       Millis `json:"leftOn"`
	}
	if err := json.Unmarshal(data, &wire); err != nil {
		return err
	}
	*s = DashboardUserSessions(wire.plain)
	if len(s.Sessions) == 0 && wire.RegisteredOn != 0 {
		s.Sessions = []DashboardSession{{RegisteredOn: wire.RegisteredOn, LeftOn: wire.LeftOn}}
	}
	return nil
}

// DashboardSession is one stay of a user in the meeting.
type DashboardSession struct {
	RegisteredOn Millis `json:"registeredOn"`
	LeftOn       Millis `json:"leftOn"` // zero while the user is in
}

// DashboardTalk is a user's talk time.
type DashboardTalk struct {
	TotalTimeMillis   int64  `json:"totalTime"`
	LastTalkStartedOn Millis `json:"lastTalkStartedOn"` // zero when not talking
}

// TotalTime is the user's total talk time.
func (t DashboardTalk) TotalTime() time.Duration {
	return time.Duration(t.TotalTimeMillis) * time.Millisecond
}

// DashboardReaction is one emoji reaction of a user.
type DashboardReaction struct {
	Name   string `json:"name"`
	SentOn Millis `json:"sentOn"`
}

// DashboardPeriod is a span of time (a webcam, a screenshare, an absence).
type DashboardPeriod struct {
	StartedOn Millis `json:"startedOn"`
	StoppedOn Millis `json:"stoppedOn"` // zero while it lasts
}

// DashboardPoll is one poll of the meeting.
type DashboardPoll struct {
	PollID           string   `json:"pollId"`
	PollType         string   `json:"pollType"`
	Anonymous        bool     `json:"anonymous"`
	Multiple         bool     `json:"multiple"`
	Quiz             bool     `json:"quiz"`
	Question         string   `json:"question"`
	Options          []string `json:"options"`
	CorrectOption    string   `json:"correctOption"`
	Ended            bool     `json:"ended"`
	Published        bool     `json:"published"`
	AnonymousAnswers []string `json:"anonymousAnswers"`
	CreatedOn        Millis   `json:"createdOn"`
}

// DashboardSlide is a slide that was shown, in order.
type DashboardSlide struct {
	PresentationID   string `json:"presentationId"`
	PresentationName string `json:"presentationName"`
	PageNum          int    `json:"pageNum"`
	SetOn            Millis `json:"setOn"`
}

// Millis is a time as BigBlueButton's JSON reports write it: milliseconds
// since the Unix epoch, 0 for none.
type Millis int64

// Time returns m as a time.Time in UTC, the zero time for 0.
func (m Millis) Time() time.Time {
	if m == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(m)).UTC()
}

// decodeLearningDashboard decodes the answer, whose "data" member is the
// report as a JSON string (bbb-web reads it from a file).
func decodeLearningDashboard(resp *rawResponse) (*LearningDashboard, error) {
	var wire struct {
		Answer
		Data json.RawMessage `json:"data"`
	}
	if err := decodeJSON(resp, &wire); err != nil {
		return nil, err
	}
	out := &LearningDashboard{Answer: wire.Answer, Data: wire.Data}
	var text string
	if json.Unmarshal(wire.Data, &text) == nil {
		out.Data = json.RawMessage(text)
	}
	if len(out.Data) == 0 {
		return nil, resp.decodeErr(fmt.Errorf("no \"data\" in the answer"))
	}
	if err := json.Unmarshal(out.Data, &out.DashboardMeeting); err != nil {
		return nil, resp.decodeErr(fmt.Errorf("invalid report: %s", truncate(err.Error())))
	}
	return out, nil
}
