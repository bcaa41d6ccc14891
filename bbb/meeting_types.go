package bbb

import (
	"encoding/xml"
	"time"

	"github.com/bbbkit/bbbkit/internal/xmlx"
)

// Meeting is a meeting as getMeetingInfo and getMeetings describe it.
// Times of 0 or empty are the zero time.Time; counts tolerate thousands
// separators; Metadata keys are lower-case, as the server stores them.
type Meeting struct {
	MeetingName           string
	MeetingID             string
	InternalMeetingID     string
	CreateTime            time.Time
	CreateDate            string // the server's own text form, in its time zone
	VoiceBridge           string
	DialNumber            string
	AttendeePW            string // empty when the meeting has no passwords
	ModeratorPW           string
	Running               bool
	Duration              int // scheduled minutes, 0 for unlimited
	HasUserJoined         bool
	Recording             bool
	HasBeenForciblyEnded  bool
	StartTime             time.Time
	EndTime               time.Time
	ParticipantCount      int
	ListenerCount         int
	VoiceParticipantCount int
	VideoCount            int
	MaxUsers              int
	ModeratorCount        int
	Attendees             []Attendee
	Metadata              map[string]string
	IsBreakout            bool
	ParentMeetingID       string   // for a breakout room
	Sequence              int      // for a breakout room
	FreeJoin              bool     // for a breakout room
	BreakoutRooms         []string // internal IDs of the breakout rooms of a parent meeting
	// Extra holds the elements bbbkit has no field for (newer servers,
	// custom builds), in order; nil when none.
	Extra []Element
}

// Attendee is a user in a meeting.
type Attendee struct {
	UserID          string
	FullName        string
	Role            string // MODERATOR or VIEWER
	IsPresenter     bool
	IsListeningOnly bool
	HasJoinedVoice  bool
	HasVideo        bool
	ClientType      string // HTML5 (FLASH on old servers)
	CustomData      map[string]string
	Extra           []Element // elements bbbkit has no field for; nil when none
}

// IsModerator reports whether the attendee has the moderator role.
func (a *Attendee) IsModerator() bool { return a.Role == RoleModerator }

// fieldDecoder accumulates the first scalar error of a hand-written decoder.
type fieldDecoder struct {
	d   *xml.Decoder
	err error
}

func (f *fieldDecoder) text() string {
	s, err := xmlx.Text(f.d)
	if err != nil && f.err == nil {
		f.err = err
	}
	return s
}

func (f *fieldDecoder) int() int { return int(f.int64()) }

func (f *fieldDecoder) int64() int64 {
	n, err := xmlx.ParseInt(f.text())
	if err != nil && f.err == nil {
		f.err = err
	}
	return n
}

func (f *fieldDecoder) bool() bool {
	b, err := xmlx.ParseBool(f.text())
	if err != nil && f.err == nil {
		f.err = err
	}
	return b
}

func (f *fieldDecoder) time() time.Time {
	t, err := xmlx.ParseMillis(f.text())
	if err != nil && f.err == nil {
		f.err = err
	}
	return t
}

func (f *fieldDecoder) dict() map[string]string {
	m, err := xmlx.Map(f.d)
	if err != nil && f.err == nil {
		f.err = err
	}
	return m
}

// walk calls fn for every child element of the element just opened; fn
// decodes the child with f's methods, which record the first error.
func (f *fieldDecoder) walk(fn func(el xml.StartElement)) error {
	err := xmlx.Children(f.d, func(el xml.StartElement) error {
		fn(el)
		return f.err
	})
	if err != nil {
		return err
	}
	return f.err
}

// element keeps the element just opened as an Element.
func (f *fieldDecoder) element(start xml.StartElement) Element {
	var e Element
	if err := f.d.DecodeElement(&e, &start); err != nil && f.err == nil {
		f.err = err
	}
	return e
}

func (f *fieldDecoder) skip() {
	if err := f.d.Skip(); err != nil && f.err == nil {
		f.err = err
	}
}

// UnmarshalXML implements xml.Unmarshaler for <meeting> and for the body of
// a getMeetingInfo answer.
func (m *Meeting) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	f := &fieldDecoder{d: d}
	return f.walk(func(el xml.StartElement) { m.decodeField(f, el) })
}

// decodeField decodes one child of <meeting>; a child bbbkit has no field
// for is kept in Extra.
func (m *Meeting) decodeField(f *fieldDecoder, el xml.StartElement) {
	switch el.Name.Local {
	case "meetingName":
		m.MeetingName = f.text()
	case "meetingID":
		m.MeetingID = f.text()
	case "internalMeetingID":
		m.InternalMeetingID = f.text()
	case "createTime":
		m.CreateTime = f.time()
	case "createDate":
		m.CreateDate = f.text()
	case "voiceBridge":
		m.VoiceBridge = f.text()
	case "dialNumber":
		m.DialNumber = f.text()
	case "attendeePW":
		m.AttendeePW = f.text()
	case "moderatorPW":
		m.ModeratorPW = f.text()
	case "running":
		m.Running = f.bool()
	case "duration":
		m.Duration = f.int()
	case "hasUserJoined":
		m.HasUserJoined = f.bool()
	case "recording":
		m.Recording = f.bool()
	case "hasBeenForciblyEnded":
		m.HasBeenForciblyEnded = f.bool()
	case "startTime":
		m.StartTime = f.time()
	case "endTime":
		m.EndTime = f.time()
	case "metadata":
		m.Metadata = f.dict()
	default:
		if !m.decodeCount(f, el) && !m.decodeNested(f, el) {
			m.Extra = append(m.Extra, f.element(el))
		}
	}
}

// decodeCount decodes the counters of <meeting>; it reports whether el was
// one.
func (m *Meeting) decodeCount(f *fieldDecoder, el xml.StartElement) bool {
	switch el.Name.Local {
	case "participantCount":
		m.ParticipantCount = f.int()
	case "listenerCount":
		m.ListenerCount = f.int()
	case "voiceParticipantCount":
		m.VoiceParticipantCount = f.int()
	case "videoCount":
		m.VideoCount = f.int()
	case "maxUsers":
		m.MaxUsers = f.int()
	case "moderatorCount":
		m.ModeratorCount = f.int()
	default:
		return false
	}
	return true
}

// decodeNested decodes the attendees and the breakout details of
// <meeting>; it reports whether el was one of them.
func (m *Meeting) decodeNested(f *fieldDecoder, el xml.StartElement) bool {
	switch el.Name.Local {
	case "attendees":
		f.err = f.walk(func(el xml.StartElement) {
			if el.Name.Local != "attendee" {
				f.skip()
				return
			}
			m.Attendees = append(m.Attendees, Attendee{})
			a := &m.Attendees[len(m.Attendees)-1]
			if err := a.UnmarshalXML(f.d, el); err != nil && f.err == nil {
				f.err = err
			}
		})
	case "isBreakout":
		m.IsBreakout = f.bool()
	case "parentMeetingID":
		m.ParentMeetingID = f.text()
	case "sequence":
		m.Sequence = f.int()
	case "freeJoin":
		m.FreeJoin = f.bool()
	case "breakoutRooms":
		m.BreakoutRooms = f.breakoutRooms(m.BreakoutRooms)
	case "breakout":
		// Servers before 2.4 nested breakout details in <breakout>.
		f.breakout("parentMeetingID", &m.ParentMeetingID, &m.Sequence, &m.FreeJoin)
	default:
		return false
	}
	return true
}

// breakoutRooms decodes the children of <breakoutRooms> (<breakout> in
// getMeetingInfo, <breakoutRoom> in getRecordings): room IDs.
func (f *fieldDecoder) breakoutRooms(dst []string) []string {
	f.err = f.walk(func(xml.StartElement) {
		if id := f.text(); id != "" {
			dst = append(dst, id)
		}
	})
	return dst
}

// breakout decodes <breakout> with its parent ID (named parentName),
// sequence and freeJoin.
func (f *fieldDecoder) breakout(parentName string, parent *string, sequence *int, freeJoin *bool) {
	f.err = f.walk(func(el xml.StartElement) {
		switch el.Name.Local {
		case parentName:
			*parent = f.text()
		case "sequence":
			*sequence = f.int()
		case "freeJoin":
			*freeJoin = f.bool()
		default:
			f.skip()
		}
	})
}

// UnmarshalXML implements xml.Unmarshaler for <attendee>.
func (a *Attendee) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	f := &fieldDecoder{d: d}
	return f.walk(func(el xml.StartElement) {
		switch el.Name.Local {
		case "userID":
			a.UserID = f.text()
		case "fullName":
			a.FullName = f.text()
		case "role":
			a.Role = f.text()
		case "isPresenter":
			a.IsPresenter = f.bool()
		case "isListeningOnly":
			a.IsListeningOnly = f.bool()
		case "hasJoinedVoice":
			a.HasJoinedVoice = f.bool()
		case "hasVideo":
			a.HasVideo = f.bool()
		case "clientType":
			a.ClientType = f.text()
		case "customdata":
			a.CustomData = f.dict()
		default:
			a.Extra = append(a.Extra, f.element(el))
		}
	})
}
