package greenlighttest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

func lastSession(rm *room) any {
	if rm.lastSession.IsZero() {
		return nil
	}
	return rm.lastSession.Format(time.RFC3339Nano)
}

// roomJSON renders RoomSerializer (shared_owner only for shared rooms).
func (s *Server) roomJSON(rm *room, cur *user) map[string]any {
	m := map[string]any{
		"id": rm.id, "name": rm.name, "friendly_id": rm.friendlyID, "online": rm.online,
		"participants": rm.participants, "last_session": lastSession(rm),
	}
	if cur != nil && rm.ownerID != cur.id {
		if o := s.userByID(rm.ownerID); o != nil {
			m["shared_owner"] = o.name
		}
	}
	return m
}

func (s *Server) listRooms(q *req) {
	if !s.allowed(q, []string{"CreateRoom"}, "", "", "") {
		return
	}
	search := strings.ToLower(q.r.URL.Query().Get("search"))
	out := []map[string]any{}
	for _, rm := range s.rooms {
		if rm.ownerID != q.cur.id && !rm.sharedWith(q.cur.id) {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(rm.name), search) && !strings.Contains(rm.friendlyID, search) {
			continue
		}
		out = append(out, s.roomJSON(rm, q.cur))
	}
	q.data(http.StatusOK, out, nil)
}

type roomParams struct {
	Name   *string `json:"name"`
	UserID *string `json:"user_id"`
}

func (s *Server) createRoom(q *req) {
	if !q.authenticated() {
		return
	}
	var p roomParams
	if !q.param("room", &p) {
		q.badParams()
		return
	}
	if !s.authorized(q.cur, []string{"CreateRoom"}, "", "", "") ||
		!s.authorized(q.cur, []string{"ManageUsers"}, str(p.UserID), "", "") {
		q.forbidden()
		return
	}
	if !s.authorized(q.cur, []string{"RoomLimit"}, str(p.UserID), "", "") && s.userByID(str(p.UserID)) != nil {
		q.errors(http.StatusBadRequest, "RoomLimitError")
		return
	}
	owner := s.userByID(str(p.UserID))
	name := strings.TrimSpace(str(p.Name))
	var errs []string
	if owner == nil {
		errs = append(errs, "User must exist")
	}
	if name == "" {
		errs = append(errs, "Name can't be blank")
	} else if len(name) > 255 {
		errs = append(errs, "Name is too long (maximum is 255 characters)")
	}
	if len(errs) > 0 {
		q.errors(http.StatusBadRequest, errs)
		return
	}
	rm := s.newRoom(name, owner)
	q.data(http.StatusCreated, "/rooms/"+rm.friendlyID, nil)
}

// findRoom answers 404 when the room does not exist.
func (s *Server) findRoom(q *req, fid string) *room {
	rm := s.roomByFID(fid)
	if rm == nil {
		q.notFound()
	}
	return rm
}

func (s *Server) showRoom(q *req, fid string) {
	rm := s.roomFor(q, fid, "ManageRooms", "SharedRoom")
	if rm == nil {
		return
	}
	owner := ""
	if o := s.userByID(rm.ownerID); o != nil {
		owner = o.name
	}
	m := map[string]any{
		"id": rm.id, "name": rm.name, "presentation_name": nil, "thumbnail": nil, "online": rm.online,
		"participants": rm.participants, "shared": rm.sharedWith(q.cur.id), "owner_name": owner,
	}
	if ls := lastSession(rm); ls != nil {
		m["last_session"] = ls
	}
	q.data(http.StatusOK, m, nil)
}

func (s *Server) updateRoom(q *req, fid string) {
	rm := s.roomFor(q, fid, "ManageRooms", "SharedRoom")
	if rm == nil {
		return
	}
	var p roomParams
	if !q.param("room", &p) {
		q.badParams()
		return
	}
	if p.Name != nil {
		name := strings.TrimSpace(*p.Name)
		if name == "" || len(name) > 255 {
			q.errors(http.StatusBadRequest, []string{"Name is invalid"})
			return
		}
		rm.name = name
	}
	q.data(http.StatusOK, map[string]any{}, nil)
}

func (s *Server) deleteRoom(q *req, fid string) {
	rm := s.roomFor(q, fid, "ManageRooms")
	if rm == nil {
		return
	}
	s.rooms = slices.DeleteFunc(s.rooms, func(x *room) bool { return x == rm })
	s.recordings = slices.DeleteFunc(s.recordings, func(r *recording) bool { return r.roomID == rm.id })
	q.data(http.StatusOK, map[string]any{}, nil)
}

func (s *Server) serverRooms(q *req) {
	if !s.allowed(q, []string{"ManageRooms"}, "", "", "") {
		return
	}
	search := strings.ToLower(q.r.URL.Query().Get("search"))
	var out []map[string]any
	for _, rm := range s.rooms {
		owner := s.userByID(rm.ownerID)
		if owner == nil {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(rm.name), search) &&
			!strings.Contains(rm.friendlyID, search) && !strings.Contains(strings.ToLower(owner.name), search) {
			continue
		}
		m := map[string]any{
			"id": rm.id, "name": rm.name, "friendly_id": rm.friendlyID, "online": rm.online,
			"participants": rm.participants, "owner": owner.name, "active": rm.online, "last_session": nil,
		}
		if !rm.lastSession.IsZero() {
			m["last_session"] = rm.lastSession.Format("January _2, 2006")
		}
		out = append(out, m)
	}
	items, meta := page(q, out, s.cfg.pageSize)
	q.data(http.StatusOK, items, meta)
}

// --- room settings ---

var accessCodeSettings = []string{"glViewerAccessCode", "glModeratorAccessCode"}

// effectiveSettings mirrors RoomSettingsGetter with only_enabled and show_codes.
func (s *Server) effectiveSettings(rm *room, cur *user) map[string]string {
	out := map[string]string{}
	for name, v := range rm.settings {
		switch s.roomsConfig[name] {
		case "false":
			continue
		case "true":
			switch {
			case name == "guestPolicy":
				v = "ASK_MODERATOR"
			case slices.Contains(accessCodeSettings, name):
			default:
				v = "true"
			}
		}
		out[name] = v
	}
	if _, ok := out["record"]; ok && s.roomsConfig["record"] != "true" && cur != nil && cur.role.perms["CanRecord"] != "true" {
		out["record"] = "false"
	}
	return out
}

func (s *Server) showRoomSettings(q *req, fid string) {
	rm := s.roomFor(q, fid, "ManageRooms", "SharedRoom")
	if rm == nil {
		return
	}
	q.data(http.StatusOK, s.effectiveSettings(rm, q.cur), nil)
}

func (s *Server) updateRoomSetting(q *req, fid string) {
	rm := s.roomFor(q, fid, "ManageRooms", "SharedRoom")
	if rm == nil {
		return
	}
	var p struct {
		Name  string `json:"settingName"`
		Value any    `json:"settingValue"`
	}
	if !q.param("room_setting", &p) {
		q.badParams()
		return
	}
	value := ""
	switch v := p.Value.(type) {
	case string:
		value = v
	case bool:
		value = strconv.FormatBool(v)
	case nil:
	default:
		q.badParams()
		return
	}
	config, ok := s.roomsConfig[p.Name]
	if !ok {
		q.errors(http.StatusBadRequest, nil)
		return
	}
	isCode := slices.Contains(accessCodeSettings, p.Name)
	if config != "optional" && config != "default_enabled" && (config != "true" || !isCode || value == "false") {
		q.forbidden()
		return
	}
	switch {
	case isCode:
		if value == "false" {
			value = ""
		} else {
			value = randomAlnum(6)
		}
	case p.Name == "guestPolicy":
		if value != "ALWAYS_ACCEPT" && value != "ASK_MODERATOR" && value != "ALWAYS_DENY" {
			q.errors(http.StatusBadRequest, nil)
			return
		}
	case p.Name == "serverTag":
	default:
		if value != "true" && value != "false" {
			q.errors(http.StatusBadRequest, nil)
			return
		}
	}
	rm.settings[p.Name] = value
	q.data(http.StatusOK, map[string]any{}, nil)
}

// --- shared access ---

func sharedUserJSON(u *user) map[string]any {
	return map[string]any{"id": u.id, "name": u.name, "avatar": nil}
}

func (s *Server) share(q *req) {
	if !q.authenticated() {
		return
	}
	var fid string
	var ids []string
	if !q.param("friendly_id", &fid) {
		q.badParams()
		return
	}
	q.param("shared_users", &ids)
	if !s.authorized(q.cur, []string{"ManageRooms"}, "", fid, "") {
		q.forbidden()
		return
	}
	rm := s.findRoom(q, fid)
	if rm == nil {
		return
	}
	for _, id := range ids {
		if u := s.userByID(id); u != nil && u.id != rm.ownerID && !rm.sharedWith(u.id) {
			rm.shared = append(rm.shared, u.id)
		}
	}
	q.data(http.StatusOK, map[string]any{}, nil)
}

func (s *Server) sharedUsers(q *req, fid string) {
	if !s.allowed(q, []string{"ManageRooms", "SharedRoom"}, "", fid, "") {
		return
	}
	rm := s.findRoom(q, fid)
	if rm == nil {
		return
	}
	search := strings.ToLower(q.r.URL.Query().Get("search"))
	out := []map[string]any{}
	for _, id := range rm.shared {
		if u := s.userByID(id); u != nil && (search == "" || strings.Contains(strings.ToLower(u.name), search)) {
			out = append(out, sharedUserJSON(u))
		}
	}
	q.data(http.StatusOK, out, nil)
}

func (s *Server) unshare(q *req, fid string) {
	if !s.allowed(q, []string{"ManageRooms"}, "", fid, "") {
		return
	}
	rm := s.findRoom(q, fid)
	if rm == nil {
		return
	}
	uid := q.r.URL.Query().Get("user_id")
	rm.shared = slices.DeleteFunc(rm.shared, func(x string) bool { return x == uid })
	q.data(http.StatusOK, map[string]any{}, nil)
}

func (s *Server) shareableUsers(q *req, fid string) {
	if !s.allowed(q, []string{"ManageRooms"}, "", fid, "") {
		return
	}
	rm := s.findRoom(q, fid)
	if rm == nil {
		return
	}
	search := strings.ToLower(q.r.URL.Query().Get("search"))
	out := []map[string]any{}
	if len(search) < 3 {
		q.data(http.StatusOK, out, nil)
		return
	}
	for _, u := range s.users {
		if u.id == rm.ownerID || rm.sharedWith(u.id) || u.role.perms["SharedList"] != "true" {
			continue
		}
		if strings.Contains(strings.ToLower(u.name), search) || strings.Contains(u.email, search) {
			out = append(out, sharedUserJSON(u))
		}
	}
	q.data(http.StatusOK, out, nil)
}

// --- meetings ---

// joinURL builds a BBB join URL the way Greenlight's join_meeting does
// (role, userID, createTime; no passwords). The fake does not sign it.
func (s *Server) joinURL(rm *room, name, userID, role string) string {
	v := url.Values{}
	v.Set("fullName", name)
	v.Set("meetingID", rm.meetingID)
	v.Set("role", role)
	v.Set("userID", userID)
	v.Set("createTime", strconv.FormatInt(rm.lastSession.UnixMilli(), 10))
	return s.URL + "/bigbluebutton/api/join?" + v.Encode()
}

func (s *Server) start(rm *room) {
	if !rm.online {
		rm.online = true
		rm.lastSession = s.cfg.now().UTC()
	}
}

func (s *Server) startMeeting(q *req, fid string) {
	rm := s.roomFor(q, fid, "ManageRooms", "SharedRoom")
	if rm == nil {
		return
	}
	s.start(rm)
	rm.participants++
	q.data(http.StatusCreated, s.joinURL(rm, q.cur.name, "gl-"+q.cur.id, "Moderator"), nil)
}

func (s *Server) meetingStatus(q *req, fid string) {
	rm := s.findRoom(q, fid)
	if rm == nil {
		return
	}
	var name, code string
	q.param("name", &name)
	q.param("access_code", &code)
	st := s.effectiveSettings(rm, q.cur)
	if q.cur == nil && st["glRequireAuthentication"] == "true" {
		q.unauthorized()
		return
	}
	modCode, viewerCode := st["glModeratorAccessCode"], st["glViewerAccessCode"]
	anyoneMod := st["glAnyoneJoinAsModerator"] == "true"
	codeOK := func(c string) bool { return c != "" && code != "" && c == code }
	owned := q.cur != nil && (rm.ownerID == q.cur.id || rm.sharedWith(q.cur.id))
	role := ""
	switch {
	case owned || codeOK(modCode) || (anyoneMod && viewerCode == "" && modCode == "") || (anyoneMod && (codeOK(modCode) || codeOK(viewerCode))):
		role = "Moderator"
	case ((viewerCode == "" && code == "") || codeOK(viewerCode)) && !anyoneMod:
		role = "Viewer"
	}
	if role == "" {
		q.forbidden()
		return
	}
	data := map[string]any{"status": rm.online}
	if !rm.online && (st["glAnyoneCanStart"] == "true" || owned || codeOK(modCode)) {
		s.start(rm)
		data["status"] = true
	}
	if rm.online {
		display, uid := name, "gl-guest-"+randomHex(12)
		if q.cur != nil {
			display, uid = q.cur.name, "gl-"+q.cur.id
		}
		rm.participants++
		data["joinUrl"] = s.joinURL(rm, display, uid, role)
	}
	q.data(http.StatusOK, data, nil)
}

func (s *Server) meetingRunning(q *req, fid string) {
	rm := s.roomFor(q, fid, "ManageRooms", "SharedRoom")
	if rm == nil {
		return
	}
	q.data(http.StatusOK, rm.online, nil)
}
