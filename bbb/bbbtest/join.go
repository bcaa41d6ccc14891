package bbbtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// joinError is a refused join: redirect says whether bbb-web answers it
// with a redirect to the logout URL (validation failures) or with XML
// (role and password problems).
type joinError struct {
	key, msg string
	redirect bool
}

func (e *joinError) Error() string { return "bbbtest: join refused: " + e.key }

// joinRequest is what a join needs, from the API or from a test control.
type joinRequest struct {
	meetingID  string
	fullName   string
	role       string
	password   string
	userID     string
	createTime string
	clientType string
	guest      bool
	listenOnly bool
	voice      bool
	video      bool
	custom     map[string]string
}

// joinLocked adds a user to a meeting following bbb-web's join rules.
// Callers hold s.mu.
func (s *Server) joinLocked(jr joinRequest) (*meeting, *user, []Event, *joinError) {
	if jr.fullName == "" {
		return nil, nil, nil, &joinError{"validationError", "You must provide your name", true}
	}
	if jr.meetingID == "" {
		return nil, nil, nil, &joinError{"validationError", "You must provide a meeting ID", true}
	}
	m := s.byExternal[jr.meetingID]
	if m == nil {
		return nil, nil, nil, &joinError{"notFound", "A meeting with that ID does not exist", true}
	}
	if jr.createTime != "" && jr.createTime != strconv.FormatInt(m.createTime, 10) {
		return nil, nil, nil, &joinError{"mismatchCreateTimeParam", "The createTime parameter submitted mismatches with the current meeting.", true}
	}
	role := strings.ToUpper(jr.role)
	if role != "MODERATOR" && role != "VIEWER" {
		role = ""
		switch {
		case m.attendeePW == "" && m.moderatorPW == "":
			return nil, nil, nil, &joinError{"Params required", "You must send the 'role' parameter, since this meeting doesn't have any password.", false}
		case jr.password != "" && jr.password == m.moderatorPW:
			role = "MODERATOR"
		case jr.password != "" && jr.password == m.attendeePW:
			role = "VIEWER"
		default:
			return nil, nil, nil, &joinError{"invalidPassword", "You either did not supply a password or the password supplied is neither the attendee or moderator password for this conference.", false}
		}
	}
	if jr.guest && m.guestPolicy == "ALWAYS_DENY" {
		return nil, nil, nil, &joinError{"guestDeniedAccess", "You have been denied access to this meeting based on the meeting's guest policy", true}
	}
	var existing *user
	if jr.userID != "" {
		for _, u := range m.users {
			if u.extID == jr.userID {
				existing = u
				break
			}
		}
	}
	if existing == nil && m.maxUsers > 0 && len(m.users) >= m.maxUsers {
		return nil, nil, nil, &joinError{"maxParticipantsReached", "The number of participants allowed for this meeting has been reached.", true}
	}
	var evs []Event
	if existing != nil {
		// A re-join replaces the old session, as a browser reload does.
		delete(s.sessions, existing.sessionToken)
		existing.sessionToken = s.randString(16, lowerAlnum)
		existing.authToken = s.randString(12, lowerAlnum)
		existing.name, existing.role = jr.fullName, role
		s.sessions[existing.sessionToken] = &session{meeting: m, user: existing}
		return m, existing, nil, nil
	}
	u := &user{
		intID:        "w_" + s.randString(12, lowerAlnum),
		name:         jr.fullName,
		role:         role,
		listenOnly:   jr.listenOnly,
		voice:        jr.voice,
		video:        jr.video,
		guest:        jr.guest,
		clientType:   orDefault(jr.clientType, "HTML5"),
		custom:       map[string]string{},
		sessionToken: s.randString(16, lowerAlnum),
		authToken:    s.randString(12, lowerAlnum),
	}
	u.extID = orDefault(jr.userID, u.intID)
	for k, v := range jr.custom {
		u.custom[k] = v
	}
	s.sessions[u.sessionToken] = &session{meeting: m, user: u}
	if jr.guest && m.guestPolicy == "ASK_MODERATOR" {
		u.waiting = true
		m.waiting = append(m.waiting, u)
		return m, u, nil, nil
	}
	evs = append(evs, s.admitLocked(m, u))
	return m, u, evs, nil
}

// admitLocked makes u an attendee of m. Callers hold s.mu.
func (s *Server) admitLocked(m *meeting, u *user) Event {
	u.waiting = false
	if len(m.users) == 0 && !m.hasUserJoined {
		u.presenter = true
	}
	m.users = append(m.users, u)
	m.attendance = append(m.attendance, u)
	u.joinedMS = s.nowMS()
	m.everJoined[u.extID] = true
	m.hasUserJoined = true
	m.running = true
	s.cancelTimerLocked(m.emptyTimer)
	m.emptyTimer = 0
	return s.evUserJoined(m, u)
}

// userData extracts userdata-<key> parameters with bbb-web's rule: the
// parameter name must split on "-" into exactly two parts.
func userData(q url.Values) map[string]string {
	out := map[string]string{}
	for k, v := range q {
		parts := strings.Split(k, "-")
		if len(parts) == 2 && parts[0] == "userdata" && parts[1] != "" {
			out[parts[1]] = v[0]
		}
	}
	return out
}

func (s *Server) apiJoin(w http.ResponseWriter, r *http.Request, q url.Values) {
	jr := joinRequest{
		meetingID:  q.Get("meetingID"),
		fullName:   q.Get("fullName"),
		role:       q.Get("role"),
		password:   q.Get("password"),
		userID:     orDefault(q.Get("userID"), q.Get("existingUserID")),
		createTime: q.Get("createTime"),
		custom:     userData(q),
	}
	jr.guest, _ = parseBool(q.Get("guest"))
	redirect := true
	if v, ok := parseBool(q.Get("redirect")); ok {
		redirect = v
	}
	s.mu.Lock()
	m, u, evs, jerr := s.joinLocked(jr)
	var logoutURL, token, auth, userID, intID string
	var waiting bool
	if jerr == nil {
		token, auth, userID, intID, waiting = u.sessionToken, u.authToken, u.intID, m.intID, u.waiting
	} else if m := s.byExternal[jr.meetingID]; m != nil {
		logoutURL = m.logoutURL
	}
	s.mu.Unlock()
	s.emit(evs)
	if jerr != nil {
		if !jerr.redirect {
			s.writeXML(w, failedXML(jerr.key, jerr.msg))
			return
		}
		target := orDefault(q.Get("errorRedirectUrl"), orDefault(q.Get("redirectErrorUrl"), orDefault(logoutURL, s.origin)))
		redirectWithErrors(w, r, target, jerr.key, jerr.msg)
		return
	}
	clientURL := s.origin + "/html5client/join?sessionToken=" + token
	key, msg, status := "successfullyJoined", "You have joined successfully.", "ALLOW"
	if waiting {
		clientURL = s.origin + "/html5client/guestWait?sessionToken=" + token
		key, msg, status = "guestWait", "Guest waiting for approval to join meeting.", "WAIT"
	}
	if redirect {
		http.Redirect(w, r, clientURL, http.StatusFound)
		return
	}
	var x xmlWriter
	x.open("response")
	x.elem("returncode", "SUCCESS")
	x.elem("messageKey", key)
	x.elem("message", msg)
	x.elem("meeting_id", intID)
	x.elem("user_id", userID)
	x.elem("auth_token", auth)
	x.elem("session_token", token)
	x.elem("guestStatus", status)
	x.elem("url", clientURL)
	x.close("response")
	s.writeXML(w, x.b)
}

// apiGetJoinURL answers getJoinUrl: a new signed join URL for the user of a
// session token, as JSON.
func (s *Server) apiGetJoinURL(w http.ResponseWriter, _ *http.Request, q url.Values) {
	tok := q.Get("sessionToken")
	s.mu.RLock()
	sess := s.sessions[tok]
	var params [][2]string
	if sess != nil {
		params = [][2]string{
			{"redirect", "true"},
			{"existingUserID", sess.user.extID},
			{"role", sess.user.role},
		}
		keys := make([]string, 0)
		for k := range q {
			if strings.HasPrefix(k, "userdata-") {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			params = append(params, [2]string{k, q.Get(k)})
		}
		for _, k := range []string{"sessionName", "enforceLayout", "replaceSession"} {
			if v := q.Get(k); v != "" {
				params = append(params, [2]string{k, v})
			}
		}
		params = append(params, [2]string{"fullName", sess.user.name}, [2]string{"meetingID", sess.meeting.extID})
	}
	s.mu.RUnlock()
	if sess == nil {
		s.writeJSON(w, mustJSON(map[string]any{"response": map[string]any{
			"returncode": "FAILED", "message": "Invalid session token", "sessionToken": tok,
		}}))
		return
	}
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p[0])
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p[1]))
	}
	query := b.String()
	alg := s.cfg.accepted[0]
	for _, a := range s.cfg.accepted {
		if a == checksum.SHA256 {
			alg = a
		}
	}
	joinURL := s.base + "api/join?" + query + "&checksum=" + checksum.Sum(alg, "join", query, s.Secret)
	s.writeJSON(w, mustJSON(map[string]any{"response": map[string]any{
		"returncode": "SUCCESS", "message": "Join URL provided successfully.", "url": joinURL,
	}}))
}

// apiSignOut ends the session of a session token.
func (s *Server) apiSignOut(w http.ResponseWriter, _ *http.Request, q url.Values) {
	s.mu.Lock()
	var evs []Event
	if sess := s.sessions[q.Get("sessionToken")]; sess != nil {
		evs = s.leaveLocked(sess.meeting, sess.user)
	}
	s.mu.Unlock()
	s.emit(evs)
	var x xmlWriter
	x.open("response")
	x.elem("returncode", "SUCCESS")
	x.close("response")
	s.writeXML(w, x.b)
}

// leaveLocked removes a user from a meeting and arms the empty-meeting
// timer when it was the last one. Callers hold s.mu.
func (s *Server) leaveLocked(m *meeting, u *user) []Event {
	if u.waiting {
		for i, x := range m.waiting {
			if x == u {
				m.waiting = append(m.waiting[:i:i], m.waiting[i+1:]...)
				delete(s.sessions, u.sessionToken)
				return nil
			}
		}
		return nil
	}
	idx := -1
	for i, x := range m.users {
		if x == u {
			idx = i
			break
		}
	}
	if idx < 0 {
		return nil
	}
	m.users = append(m.users[:idx:idx], m.users[idx+1:]...)
	u.leftMS = s.nowMS()
	delete(s.sessions, u.sessionToken)
	evs := []Event{s.evUserLeft(m, u)}
	if u.presenter && len(m.users) > 0 {
		m.users[0].presenter = true
	}
	if len(m.users) == 0 && m.emptyTimeout > 0 {
		intID := m.intID
		m.emptyTimer = s.scheduleLocked(m.emptyTimeout, func() {
			s.mu.Lock()
			mm := s.byInternal[intID]
			var evs []Event
			if mm != nil && len(mm.users) == 0 {
				evs = s.endMeetingLocked(mm, false)
			}
			s.mu.Unlock()
			s.emit(evs)
		})
	}
	return evs
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(`{"response":{"returncode":"FAILED","message":"internal error"}}`)
	}
	return b
}

// redirectWithErrors answers a refused join the way bbb-web does: a 302 to
// target with errors=[{"key":...,"message":...}] appended.
func redirectWithErrors(w http.ResponseWriter, r *http.Request, target, key, msg string) {
	errs, _ := json.Marshal([]map[string]string{{"key": key, "message": msg}})
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	http.Redirect(w, r, target+sep+"errors="+url.QueryEscape(string(errs)), http.StatusFound)
}
