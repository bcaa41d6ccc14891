package attendance

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"time"
)

// Report is the attendance of one meeting.
type Report struct {
	// MeetingID is the external meeting ID, InternalMeetingID BigBlueButton's.
	MeetingID         string `json:"meetingID"`
	InternalMeetingID string `json:"internalMeetingID"`
	// Name is the meeting name, when meeting-created carried it.
	Name string `json:"name,omitempty"`
	// Start is the meeting's create time (or its first event), End the
	// time of meeting-ended.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Pseudonymized is true when user IDs are keyed hashes and names are
	// removed (WithPseudonyms).
	Pseudonymized bool `json:"pseudonymized,omitempty"`
	// Users are the attendees, in order of first join.
	Users []User `json:"users"`
}

// User is one attendee's attendance.
type User struct {
	// UserID is the external user ID (a keyed hash with WithPseudonyms).
	UserID string `json:"userID"`
	// Name is the full name as the server sent it; empty with
	// WithPseudonyms.
	Name string `json:"name,omitempty"`
	// Role is the role of the last join: MODERATOR or VIEWER.
	Role string `json:"role"`
	// Sessions are the user's stays, from a join to its leave (or to the
	// meeting's end), in order.
	Sessions []Session `json:"sessions"`
	// Present is the total time of the sessions.
	Present Seconds `json:"presentSeconds"`
	// Counts of what the events tell about participation.
	AudioJoins     int `json:"audioJoins"`     // user-audio-voice-enabled
	Unmutes        int `json:"unmutes"`        // user-audio-unmuted
	CameraShares   int `json:"cameraShares"`   // user-cam-broadcast-start
	ChatMessages   int `json:"chatMessages"`   // chat-group-message-sent (public chat)
	RaisedHands    int `json:"raisedHands"`    // user-raise-hand-changed to raised
	PollResponses  int `json:"pollResponses"`  // poll-responded
	PresenterTurns int `json:"presenterTurns"` // user-presenter-assigned
}

// Session is one stay of a user in the meeting.
type Session struct {
	Join time.Time `json:"join"`
	// Leave is the time of the user-left, or the meeting's end when the
	// user was still there (BigBlueButton sends user-left for everybody at
	// the end, but not necessarily before meeting-ended).
	Leave time.Time `json:"leave"`
}

// Seconds is a duration written as whole seconds in JSON and CSV.
type Seconds time.Duration

// MarshalJSON writes the duration as a number of seconds, rounded down.
func (s Seconds) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, int64(time.Duration(s)/time.Second), 10), nil
}

// UnmarshalJSON reads a number of seconds.
func (s *Seconds) UnmarshalJSON(data []byte) error {
	n, err := strconv.ParseInt(string(data), 10, 64)
	if err != nil {
		return err
	}
	*s = Seconds(time.Duration(n) * time.Second)
	return nil
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// CSVHeader is the first line of WriteCSV.
var CSVHeader = []string{
	"meeting_id", "user_id", "name", "role", "sessions", "first_join", "last_leave",
	"present_seconds", "audio_joins", "unmutes", "camera_shares", "chat_messages",
	"raised_hands", "poll_responses", "presenter_turns",
}

// WriteCSV writes one line per user after CSVHeader; times are RFC 3339 in
// UTC.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	itoa := strconv.Itoa
	for _, u := range r.Users {
		var first, last string
		if len(u.Sessions) > 0 {
			first = u.Sessions[0].Join.UTC().Format(time.RFC3339)
			last = u.Sessions[len(u.Sessions)-1].Leave.UTC().Format(time.RFC3339)
		}
		rec := []string{
			r.MeetingID, u.UserID, csvSafe(u.Name), u.Role, itoa(len(u.Sessions)), first, last,
			strconv.FormatInt(int64(time.Duration(u.Present)/time.Second), 10),
			itoa(u.AudioJoins), itoa(u.Unmutes), itoa(u.CameraShares), itoa(u.ChatMessages),
			itoa(u.RaisedHands), itoa(u.PollResponses), itoa(u.PresenterTurns),
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a name a spreadsheet would run as a formula (=, +, -, @)
// as text, by a leading apostrophe (OWASP CSV injection).
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
