package bbbtest

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// meeting is the server-side state of one meeting.
type meeting struct {
	name, extID, intID, parentID string
	attendeePW, moderatorPW      string
	createTime                   int64
	voiceBridge, dialNumber      string
	startTime, endTime           int64
	duration                     int
	maxUsers                     int
	record                       bool
	isBreakout                   bool
	sequence                     int
	freeJoin                     bool
	breakoutRooms                []string
	meta                         map[string]string
	users                        []*user
	waiting                      []*user // guests waiting for a moderator (guestPolicy ASK_MODERATOR)
	everJoined                   map[string]bool
	attendance                   []*user // every admitted user, in join order, for learningDashboard
	hasUserJoined                bool
	running                      bool
	logoutURL                    string
	guestPolicy                  string
	emptyTimeout                 time.Duration
	emptyTimer                   int
	durationTimer                int
	documents                    []Document
	chat                         []ChatMessage
	audioBridge                  string
	cameraBridge                 string
	screenShareBridge            string
	meetingEndedURL              string
}

// user is one attendee of a meeting.
type user struct {
	intID, extID, name, role string
	presenter, listenOnly    bool
	voice, video, guest      bool
	clientType               string
	custom                   map[string]string
	sessionToken, authToken  string
	waiting                  bool // a guest in the waiting room
	joinedMS, leftMS         int64
	chats                    int64 // public chat messages posted (PostChat)
}

// session ties a session token (issued by join) to its user.
type session struct {
	meeting *meeting
	user    *user
}

// Document is a presentation given to create (pre-uploaded) or to
// insertDocument.
type Document struct {
	URL          string `json:"url"`      // url attribute, or the preUploadedPresentation parameter
	Filename     string `json:"filename"` // filename or name attribute
	Embedded     bool   `json:"embedded"` // the document was sent inline (base64)
	Size         int    `json:"size"`     // length of the inline content
	Current      bool   `json:"current"`
	Downloadable bool   `json:"downloadable"`
	Removable    bool   `json:"removable"`
}

// ChatMessage is a message posted with sendChatMessage.
type ChatMessage struct {
	UserName string    `json:"userName"`
	Message  string    `json:"message"`
	Time     time.Time `json:"time"`
	// UserID is the internal ID of the attendee who wrote it (PostChat);
	// empty for sendChatMessage, which posts as the system.
	UserID string `json:"userID,omitempty"`
}

var metaKey = regexp.MustCompile(`^meta_[a-zA-Z][a-zA-Z0-9-]*$`)

func javaDate(t time.Time) string {
	return t.UTC().Format("Mon Jan 02 15:04:05 MST 2006")
}

func sha1Hex(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// parseBool accepts what bbb-web's IsBooleanConstraint accepts.
func parseBool(v string) (val, ok bool) {
	switch strings.ToLower(v) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

func validateID(v, what string) (string, bool) {
	n := utf8.RuneCountInString(v)
	switch {
	case v == "":
		return "You must provide a " + what, false
	case n < 2 || n > 256:
		return strings.ToUpper(what[:1]) + what[1:] + " must be between 2 and 256 characters", false
	case strings.Contains(v, ","):
		return strings.ToUpper(what[:1]) + what[1:] + " cannot contain ','", false
	}
	return "", true
}

func intParam(q url.Values, key string) (int, bool, bool) {
	v := q.Get(key)
	if v == "" {
		return 0, false, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, true, false
	}
	return n, true, true
}

// apiCreate is create in three steps: parseCreate checks the parameters
// without a lock, planCreateLocked decides IDs, voice bridge and parent
// under the lock, applyCreateLocked stores the meeting.
func (s *Server) apiCreate(w http.ResponseWriter, r *http.Request, q url.Values) {
	req, fail := parseCreate(r, q)
	if fail != nil {
		s.writeXML(w, failedXML(fail.key, fail.msg))
		return
	}
	body, evs := s.create(req)
	s.emit(evs)
	s.writeXML(w, body)
}

// apiFailure is a FAILED answer's key and message.
type apiFailure struct{ key, msg string }

// createRequest is a create call whose parameters passed validation.
type createRequest struct {
	q                       url.Values
	name, id                string
	record, breakout, free  bool
	voiceBridge             string
	ints                    map[string]int
	docs                    []Document
	attendeePW, moderatorPW string
	// bothPWs: both passwords were given (possibly empty).
	bothPWs bool
}

// repeats reports whether req is a repeat of m that bbb-web answers with
// duplicateWarning: both passwords equal to the meeting's, or neither given
// (ApiController.create in 3.0); anything else is idNotUnique.
func (req *createRequest) repeats(m *meeting) bool {
	if req.bothPWs && req.attendeePW == m.attendeePW && req.moderatorPW == m.moderatorPW {
		return true
	}
	return req.attendeePW == "" && req.moderatorPW == ""
}

func parseCreate(r *http.Request, q url.Values) (*createRequest, *apiFailure) {
	req := &createRequest{q: q, name: q.Get("name"), id: q.Get("meetingID"), ints: map[string]int{}}
	_, hasA := q["attendeePW"]
	_, hasM := q["moderatorPW"]
	req.attendeePW, req.moderatorPW, req.bothPWs = q.Get("attendeePW"), q.Get("moderatorPW"), hasA && hasM
	for _, check := range []func(*createRequest) *apiFailure{checkCreateNames, checkCreateFlags, checkCreateNumbers} {
		if fail := check(req); fail != nil {
			return nil, fail
		}
	}
	if ed := q.Get("sharedNotesEditor"); ed != "" && ed != "etherpad" && ed != "blockNote" {
		return nil, &apiFailure{"invalidSharedNotesEditor", "sharedNotesEditor must be either etherpad or blockNote"}
	}
	if r.Method == http.MethodPost && isXMLBody(r) {
		docs, err := readModules(r.Body)
		if err != nil {
			return nil, &apiFailure{"validationError", "The XML body of the request could not be parsed"}
		}
		req.docs = docs
	}
	if u := q.Get("preUploadedPresentation"); u != "" {
		req.docs = append(req.docs, Document{URL: u, Filename: q.Get("preUploadedPresentationName"), Current: true, Downloadable: false, Removable: true})
	}
	return req, nil
}

func checkCreateNames(req *createRequest) *apiFailure {
	if msg, ok := validateID(req.name, "meeting name"); !ok {
		return &apiFailure{"validationError", msg}
	}
	if msg, ok := validateID(req.id, "meeting ID"); !ok {
		return &apiFailure{"validationError", msg}
	}
	for _, pw := range []string{req.attendeePW, req.moderatorPW} {
		if n := utf8.RuneCountInString(pw); pw != "" && (n < 2 || n > 64) {
			return &apiFailure{"validationError", "Password must be between 2 and 64 characters"}
		}
	}
	return nil
}

func checkCreateFlags(req *createRequest) *apiFailure {
	for _, b := range []struct {
		key string
		dst *bool
		msg string
	}{
		{"record", &req.record, "Record must be a boolean value (true or false)"},
		{"isBreakout", &req.breakout, "You must provide a boolean value (true or false) for the breakout room"},
		{"freeJoin", &req.free, "freeJoin must be a boolean value (true or false)"},
	} {
		if v := req.q.Get(b.key); v != "" {
			val, ok := parseBool(v)
			if !ok {
				return &apiFailure{"validationError", b.msg}
			}
			*b.dst = val
		}
	}
	return nil
}

func checkCreateNumbers(req *createRequest) *apiFailure {
	req.voiceBridge = req.q.Get("voiceBridge")
	if req.voiceBridge != "" {
		if _, err := strconv.Atoi(req.voiceBridge); err != nil {
			return &apiFailure{"validationError", "Voice bridge must be an integral value"}
		}
	}
	for _, k := range []string{"maxParticipants", "duration", "sequence", "meetingExpireWhenLastUserLeftInMinutes"} {
		n, _, ok := intParam(req.q, k)
		if !ok || n < 0 {
			return &apiFailure{"validationError", k + " must be a non-negative integral value"}
		}
		req.ints[k] = n
	}
	return nil
}

// createPlan is what planCreateLocked decided for a new meeting.
type createPlan struct {
	parentID    string
	parent      *meeting
	voiceBridge string
	createTime  int64
	intID       string
}

// create answers a repeat of an existing meeting, or plans and stores a new
// one. It returns the XML answer and the events to emit once unlocked.
func (s *Server) create(req *createRequest) ([]byte, []Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if existing := s.byExternal[req.id]; existing != nil {
		if !req.repeats(existing) {
			return failedXML("idNotUnique", "A meeting already exists with that meeting ID. Please use a different meeting ID."), nil
		}
		return createXML(existing, "duplicateWarning", "This conference was already in existence and may currently be in progress."), nil
	}
	plan, fail := s.planCreateLocked(req)
	if fail != nil {
		return failedXML(fail.key, fail.msg), nil
	}
	m := s.applyCreateLocked(req, plan)
	return createXML(m, "", ""), []Event{s.evMeetingCreated(m)}
}

// planCreateLocked finds the parent of a breakout room, picks a free voice
// bridge and a unique create time and internal ID. Callers hold s.mu.
func (s *Server) planCreateLocked(req *createRequest) (createPlan, *apiFailure) {
	p := createPlan{parentID: "bbb-none", voiceBridge: req.voiceBridge}
	if req.breakout {
		p.parentID = req.q.Get("parentMeetingID")
		if p.parentID == "" {
			return p, &apiFailure{"parentMeetingIdMissing", "No parent meeting ID was provided for the breakout room"}
		}
		if p.parent = s.byInternal[p.parentID]; p.parent == nil {
			return p, &apiFailure{"parentMeetingDoesNotExist", "No parent meeting exists for the breakout room"}
		}
	}
	if p.voiceBridge != "" && s.voiceBridges[p.voiceBridge] {
		return p, &apiFailure{"nonUniqueVoiceBridge", "The selected voice bridge is already in use."}
	}
	for p.voiceBridge == "" || s.voiceBridges[p.voiceBridge] {
		p.voiceBridge = strconv.Itoa(10000 + s.randIntN(90000))
	}
	p.createTime = max(s.nowMS(), s.lastCreateMS+1)
	p.intID = sha1Hex(req.id) + "-" + strconv.FormatInt(p.createTime, 10)
	for s.byInternal[p.intID] != nil || s.recByID[p.intID] != nil {
		p.createTime++
		p.intID = sha1Hex(req.id) + "-" + strconv.FormatInt(p.createTime, 10)
	}
	return p, nil
}

// applyCreateLocked stores the planned meeting. Callers hold s.mu.
func (s *Server) applyCreateLocked(req *createRequest, p createPlan) *meeting {
	q := req.q
	m := &meeting{
		name: req.name, extID: req.id, intID: p.intID, parentID: p.parentID,
		attendeePW: req.attendeePW, moderatorPW: req.moderatorPW,
		createTime: p.createTime, startTime: p.createTime, voiceBridge: p.voiceBridge,
		dialNumber: orDefault(q.Get("dialNumber"), s.cfg.dialNumber),
		duration:   req.ints["duration"], maxUsers: req.ints["maxParticipants"],
		record: req.record, isBreakout: req.breakout, sequence: req.ints["sequence"], freeJoin: req.free,
		meta: map[string]string{}, everJoined: map[string]bool{},
		logoutURL:    orDefault(q.Get("logoutURL"), s.origin),
		guestPolicy:  strings.ToUpper(q.Get("guestPolicy")),
		emptyTimeout: s.cfg.emptyTimeout, documents: req.docs,
		audioBridge:       orDefault(q.Get("audioBridge"), "bbb-webrtc-sfu"),
		cameraBridge:      orDefault(q.Get("cameraBridge"), "bbb-webrtc-sfu"),
		screenShareBridge: orDefault(q.Get("screenShareBridge"), "bbb-webrtc-sfu"),
		meetingEndedURL:   q.Get("meetingEndedURL"),
	}
	if _, set := q["meetingExpireWhenLastUserLeftInMinutes"]; set {
		m.emptyTimeout = time.Duration(req.ints["meetingExpireWhenLastUserLeftInMinutes"]) * time.Minute
	}
	for k, v := range q {
		if metaKey.MatchString(k) {
			m.meta[strings.ToLower(k[len("meta_"):])] = v[0]
		}
	}
	s.lastCreateMS = p.createTime
	s.meetings = append(s.meetings, m)
	s.byExternal[m.extID] = m
	s.byInternal[m.intID] = m
	s.voiceBridges[m.voiceBridge] = true
	if p.parent != nil {
		p.parent.breakoutRooms = append(p.parent.breakoutRooms, m.intID)
	}
	if m.duration > 0 {
		intID := m.intID
		m.durationTimer = s.scheduleLocked(time.Duration(m.duration)*time.Minute, func() { s.endByID(intID, false) })
	}
	return m
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func isXMLBody(r *http.Request) bool {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	return strings.HasPrefix(ct, "application/xml") || strings.HasPrefix(ct, "text/xml")
}

// modulesXML is the <modules> body of create and insertDocument.
type modulesXML struct {
	Modules []struct {
		Name      string `xml:"name,attr"`
		Documents []struct {
			URL          string `xml:"url,attr"`
			Filename     string `xml:"filename,attr"`
			Name         string `xml:"name,attr"`
			Current      string `xml:"current,attr"`
			Downloadable string `xml:"downloadable,attr"`
			Removable    string `xml:"removable,attr"`
			Content      string `xml:",chardata"`
		} `xml:"document"`
	} `xml:"module"`
}

func readModules(body io.Reader) ([]Document, error) {
	var mx modulesXML
	if err := xml.NewDecoder(body).Decode(&mx); err != nil {
		return nil, err
	}
	var docs []Document
	for _, mod := range mx.Modules {
		if mod.Name != "presentation" {
			continue
		}
		for _, d := range mod.Documents {
			content := strings.TrimSpace(d.Content)
			doc := Document{URL: d.URL, Filename: d.Filename, Embedded: content != "", Size: len(content)}
			if doc.Filename == "" {
				doc.Filename = d.Name
			}
			doc.Current, _ = parseBool(d.Current)
			doc.Downloadable, _ = parseBool(d.Downloadable)
			doc.Removable = true
			if v, ok := parseBool(d.Removable); ok {
				doc.Removable = v
			}
			docs = append(docs, doc)
		}
	}
	return docs, nil
}

// createXML is create-meeting.ftlx.
func createXML(m *meeting, key, msg string) []byte {
	var x xmlWriter
	x.open("response")
	x.elem("returncode", "SUCCESS")
	x.elem("meetingID", m.extID)
	x.elem("internalMeetingID", m.intID)
	x.elem("parentMeetingID", m.parentID)
	if m.attendeePW != "" {
		x.elem("attendeePW", m.attendeePW)
	}
	if m.moderatorPW != "" {
		x.elem("moderatorPW", m.moderatorPW)
	}
	x.intElem("createTime", m.createTime)
	x.elem("voiceBridge", m.voiceBridge)
	x.elem("dialNumber", m.dialNumber)
	x.elem("createDate", javaDate(time.UnixMilli(m.createTime)))
	x.boolElem("hasUserJoined", m.hasUserJoined)
	x.intElem("duration", int64(m.duration))
	x.boolElem("hasBeenForciblyEnded", false)
	x.elem("messageKey", key)
	x.elem("message", msg)
	x.close("response")
	return x.b
}

// meetingXML prints the fields of get-meeting-info.ftlx (list=false) or of
// one <meeting> of get-meetings.ftlx (list=true).
func meetingXML(x *xmlWriter, m *meeting, list, grouped bool) {
	x.elem("meetingName", m.name)
	x.elem("meetingID", m.extID)
	x.elem("internalMeetingID", m.intID)
	x.intElem("createTime", m.createTime)
	x.elem("createDate", javaDate(time.UnixMilli(m.createTime)))
	x.elem("voiceBridge", m.voiceBridge)
	x.elem("dialNumber", m.dialNumber)
	if list || m.attendeePW != "" {
		x.elem("attendeePW", m.attendeePW)
	}
	if list || m.moderatorPW != "" {
		x.elem("moderatorPW", m.moderatorPW)
	}
	x.boolElem("running", m.running)
	x.intElem("duration", int64(m.duration))
	x.boolElem("hasUserJoined", m.hasUserJoined)
	x.boolElem("recording", m.record)
	x.boolElem("hasBeenForciblyEnded", false)
	x.intElem("startTime", m.startTime)
	x.intElem("endTime", m.endTime)
	countsXML(x, m, list && grouped)
	attendeesXML(x, m)
	x.open("metadata")
	for _, k := range sortedKeys(m.meta) {
		x.elem(k, m.meta[k])
	}
	x.close("metadata")
	x.boolElem("isBreakout", m.isBreakout)
	if m.isBreakout {
		x.elem("parentMeetingID", m.parentID)
		x.intElem("sequence", int64(m.sequence))
		x.boolElem("freeJoin", m.freeJoin)
	}
	if len(m.breakoutRooms) > 0 {
		x.open("breakoutRooms")
		for _, b := range m.breakoutRooms {
			x.elem("breakout", b)
		}
		x.close("breakoutRooms")
	}
}

// countsXML prints the participant counts of a meeting, grouped by
// thousands when grouped is set (bbb-web 2.5 and 2.6 in getMeetings).
func countsXML(x *xmlWriter, m *meeting, grouped bool) {
	var listen, voice, video, mods int64
	for _, u := range m.users {
		if u.listenOnly {
			listen++
		}
		if u.voice {
			voice++
		}
		if u.video {
			video++
		}
		if u.role == "MODERATOR" {
			mods++
		}
	}
	count := x.intElem
	if grouped {
		count = func(name string, v int64) { x.elem(name, groupThousands(v)) }
	}
	count("participantCount", int64(len(m.users)))
	count("listenerCount", listen)
	count("voiceParticipantCount", voice)
	count("videoCount", video)
	count("maxUsers", int64(m.maxUsers))
	count("moderatorCount", mods)
}

// attendeesXML prints the <attendees> of a meeting.
func attendeesXML(x *xmlWriter, m *meeting) {
	x.open("attendees")
	for _, u := range m.users {
		x.open("attendee")
		x.elem("userID", u.extID)
		x.elem("fullName", u.name)
		x.elem("role", u.role)
		x.boolElem("isPresenter", u.presenter)
		x.boolElem("isListeningOnly", u.listenOnly)
		x.boolElem("hasJoinedVoice", u.voice)
		x.boolElem("hasVideo", u.video)
		x.elem("clientType", u.clientType)
		x.open("customdata")
		for _, k := range sortedKeys(u.custom) {
			x.elem(k, u.custom[k])
		}
		x.close("customdata")
		x.close("attendee")
	}
	x.close("attendees")
}

// groupThousands prints n with a comma every three digits, like Java's
// default number format.
func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// sortedKeys returns the keys of m that can be printed as XML element
// names, sorted.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		if isXMLName(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func (s *Server) apiGetMeetingInfo(w http.ResponseWriter, _ *http.Request, q url.Values) {
	id := q.Get("meetingID")
	if id == "" {
		s.writeXML(w, failedXML("validationError", "You must provide a meeting ID"))
		return
	}
	buf := getBuf()
	x := xmlWriter{b: buf.b[:0]}
	s.mu.RLock()
	m := s.byExternal[id]
	if m != nil {
		x.open("response")
		x.elem("returncode", "SUCCESS")
		meetingXML(&x, m, false, false)
		x.close("response")
	}
	s.mu.RUnlock()
	if m == nil {
		putBuf(buf)
		s.writeXML(w, failedXML("notFound", "A meeting with that ID does not exist"))
		return
	}
	s.writeXML(w, x.b)
	buf.b = x.b
	putBuf(buf)
}

func (s *Server) apiGetMeetings(w http.ResponseWriter, _ *http.Request, _ url.Values) {
	var x xmlWriter
	x.open("response")
	x.elem("returncode", "SUCCESS")
	s.mu.RLock()
	if len(s.meetings) == 0 {
		x.empty("meetings")
		x.elem("messageKey", "noMeetings")
		x.elem("message", "no meetings were found on this server")
	} else {
		x.open("meetings")
		for _, m := range s.meetings {
			x.open("meeting")
			meetingXML(&x, m, true, s.cfg.groupedNumbers)
			x.close("meeting")
		}
		x.close("meetings")
	}
	s.mu.RUnlock()
	x.close("response")
	s.writeXML(w, x.b)
}

func (s *Server) apiIsMeetingRunning(w http.ResponseWriter, _ *http.Request, q url.Values) {
	id := q.Get("meetingID")
	if id == "" {
		s.writeXML(w, failedXML("validationError", "You must provide a meeting ID"))
		return
	}
	s.mu.RLock()
	m := s.byExternal[id]
	running := m != nil && m.running
	s.mu.RUnlock()
	s.writeXML(w, successBoolXML("running", running))
}

// changeMeeting calls change with the meeting with external ID id, under
// s.mu, and returns the events change produced; ok is false when there is
// no such meeting.
func (s *Server) changeMeeting(id string, change func(m *meeting) []Event) (evs []Event, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.byExternal[id]
	if m == nil {
		return nil, false
	}
	return change(m), true
}

func (s *Server) writeMeetingNotFound(w http.ResponseWriter) {
	s.writeXML(w, failedXML("notFound", "A meeting with that ID does not exist"))
}

func (s *Server) apiEnd(w http.ResponseWriter, _ *http.Request, q url.Values) {
	id := q.Get("meetingID")
	if id == "" {
		s.writeXML(w, failedXML("validationError", "You must provide a meeting ID"))
		return
	}
	evs, ok := s.changeMeeting(id, func(m *meeting) []Event { return s.endMeetingLocked(m, true) })
	if !ok {
		s.writeMeetingNotFound(w)
		return
	}
	s.emit(evs)
	s.writeXML(w, successMessageXML("sentEndMeetingRequest", "A request to end the meeting was sent. Please wait a few seconds, then use getMeetingInfo or isMeetingRunning to verify that it was ended."))
}

// endByID ends a meeting from a timer (duration reached, last user gone).
func (s *Server) endByID(intID string, forcibly bool) {
	s.emit(s.endMeetingByInternalID(intID, forcibly))
}

func (s *Server) endMeetingByInternalID(intID string, forcibly bool) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.byInternal[intID]; m != nil {
		return s.endMeetingLocked(m, forcibly)
	}
	return nil
}

// endMeetingLocked removes a meeting: its users leave, its breakout rooms
// end, and a recorded meeting that anybody joined becomes a recording.
// Callers hold s.mu; the returned events are emitted after unlocking.
func (s *Server) endMeetingLocked(m *meeting, forcibly bool) []Event {
	if s.byInternal[m.intID] != m {
		return nil
	}
	var evs []Event
	for _, child := range m.breakoutRooms {
		if b := s.byInternal[child]; b != nil {
			evs = append(evs, s.endMeetingLocked(b, forcibly)...)
		}
	}
	now := s.nowMS()
	for _, u := range m.users {
		delete(s.sessions, u.sessionToken)
		evs = append(evs, s.evUserLeft(m, u))
	}
	m.users = nil
	for _, u := range m.waiting {
		delete(s.sessions, u.sessionToken)
	}
	m.waiting = nil
	m.running = false
	m.endTime = now
	s.cancelTimerLocked(m.emptyTimer)
	s.cancelTimerLocked(m.durationTimer)
	delete(s.byExternal, m.extID)
	delete(s.byInternal, m.intID)
	delete(s.voiceBridges, m.voiceBridge)
	for i, x := range s.meetings {
		if x == m {
			s.meetings = append(s.meetings[:i:i], s.meetings[i+1:]...)
			break
		}
	}
	evs = append(evs, s.evMeetingEnded(m))
	s.sendEndCallbackLocked(m)
	if m.record && m.hasUserJoined {
		evs = append(evs, s.recordMeetingLocked(m)...)
	}
	return evs
}

func (s *Server) apiGetSessions(w http.ResponseWriter, _ *http.Request, _ url.Values) {
	var x xmlWriter
	x.open("response")
	x.elem("returncode", "SUCCESS")
	s.mu.RLock()
	n := 0
	for _, m := range s.meetings {
		n += len(m.users)
	}
	if n == 0 {
		x.empty("sessions")
		x.elem("messageKey", "noSessions")
		x.elem("message", "no sessions were found on this server")
	} else {
		x.open("sessions")
		for _, m := range s.meetings {
			for _, u := range m.users {
				x.open("meeting")
				x.elem("meetingID", m.intID)
				x.elem("meetingName", m.name)
				x.elem("userName", u.name)
				x.close("meeting")
			}
		}
		x.close("sessions")
	}
	s.mu.RUnlock()
	x.close("response")
	s.writeXML(w, x.b)
}

func (s *Server) apiSendChatMessage(w http.ResponseWriter, _ *http.Request, q url.Values) {
	id, msg, from := q.Get("meetingID"), q.Get("message"), q.Get("userName")
	if id == "" {
		s.writeXML(w, failedXML("validationError", "You must provide a meeting ID"))
		return
	}
	if n := utf8.RuneCountInString(msg); n < 1 || n > 500 {
		s.writeXML(w, failedXML("validationError", "Message must be between 1 and 500 characters"))
		return
	}
	if utf8.RuneCountInString(from) > 255 {
		s.writeXML(w, failedXML("validationError", "User name must be at most 255 characters"))
		return
	}
	if from == "" {
		from = "System"
	}
	evs, ok := s.postChat(id, ChatMessage{UserName: from, Message: msg, Time: s.now()})
	if !ok {
		s.writeXML(w, failedXML("meetingNotFound", "Meeting not found or not active"))
		return
	}
	s.emit(evs)
	s.writeXML(w, successMessageXML("", ""))
}

// postChat adds cm to the running meeting with external ID id.
func (s *Server) postChat(id string, cm ChatMessage) ([]Event, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.byExternal[id]
	if m == nil {
		return nil, false
	}
	m.chat = append(m.chat, cm)
	return []Event{s.evChat(m, cm)}, true
}

func (s *Server) apiInsertDocument(w http.ResponseWriter, r *http.Request, q url.Values) {
	id := q.Get("meetingID")
	if id == "" {
		s.writeXML(w, failedXML("validationError", "You must provide a meeting ID"))
		return
	}
	docs, err := readModules(r.Body)
	if err != nil || len(docs) == 0 {
		s.writeXML(w, failedXML("validationError", "The XML body must contain a presentation module with at least one document"))
		return
	}
	if _, ok := s.changeMeeting(id, func(m *meeting) []Event {
		m.documents = append(m.documents, docs...)
		return nil
	}); !ok {
		s.writeMeetingNotFound(w)
		return
	}
	s.writeXML(w, successMessageXML("", "Presentation is being uploaded"))
}
