package greenlighttest

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

func roleJSON(r *role) map[string]any {
	return map[string]any{"id": r.id, "name": r.name, "color": r.color}
}

// userJSON renders UserSerializer.
func userJSON(u *user) map[string]any {
	return map[string]any{
		"id": u.id, "name": u.name, "email": u.email, "provider": u.provider, "language": u.language,
		"avatar": nil, "verified": u.verified, "confirm_terms": true, "email_notifs": false,
		"created_at": u.created.Format(time.RFC3339Nano), "role": roleJSON(u.role),
	}
}

// currentUserJSON renders CurrentUserSerializer.
func currentUserJSON(u *user) map[string]any {
	m := userJSON(u)
	perms := map[string]string{}
	for k, v := range u.role.perms {
		perms[k] = v
	}
	m["signed_in"] = true
	m["permissions"] = perms
	m["status"] = u.status
	m["external_account"] = false
	m["super_admin"] = u.role.name == RoleSuperAdmin
	m["allowed_tags"] = nil
	return m
}

func (s *Server) getSession(q *req) {
	if q.cur == nil {
		q.data(http.StatusOK, map[string]any{"signed_in": false}, nil)
		return
	}
	q.data(http.StatusOK, currentUserJSON(q.cur), nil)
}

func (s *Server) signIn(q *req) {
	var p struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if !q.param("session", &p) {
		q.badParams()
		return
	}
	u := s.userByEmail(p.Email)
	if u == nil || u.password != p.Password || p.Password == "" {
		q.errors(http.StatusBadRequest, nil)
		return
	}
	if s.externalAuth && u.role.name != RoleSuperAdmin {
		q.forbidden()
		return
	}
	switch u.status {
	case "banned":
		q.errors(http.StatusForbidden, "BannedUser")
		return
	case "pending":
		q.errors(http.StatusForbidden, "PendingUser")
		return
	}
	u.sessionToken = randomHex(16)
	q.sess.userID, q.sess.token = u.id, u.sessionToken
	s.signIns++
	q.data(http.StatusOK, currentUserJSON(u), nil)
}

func (s *Server) signOut(q *req) {
	if !q.authenticated() {
		return
	}
	q.cur.sessionToken = randomHex(16)
	q.sess.userID, q.sess.token = "", ""
	q.data(http.StatusOK, map[string]any{}, nil)
}

type userParams struct {
	Name        *string `json:"name"`
	Email       *string `json:"email"`
	Password    *string `json:"password"`
	Language    *string `json:"language"`
	RoleID      *string `json:"role_id"`
	OldPassword *string `json:"old_password"`
	NewPassword *string `json:"new_password"`
	Status      *string `json:"status"`
	Verified    *bool   `json:"verified"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Server) createUser(q *req) {
	if s.externalAuth {
		q.forbidden()
		return
	}
	adminCreate := q.cur != nil && s.authorized(q.cur, []string{"ManageUsers"}, "", "", "")
	if q.cur != nil && !adminCreate {
		q.forbidden()
		return
	}
	var p userParams
	if !q.param("user", &p) {
		q.badParams()
		return
	}
	name, email, password := strings.TrimSpace(str(p.Name)), strings.TrimSpace(str(p.Email)), str(p.Password)
	if name == "" || !validEmail(email) || !validPassword(password) || len(name) > 255 {
		q.errors(http.StatusBadRequest, "RecordInvalid")
		return
	}
	if s.userByEmail(email) != nil {
		q.errors(http.StatusBadRequest, "EmailAlreadyExists")
		return
	}
	r := s.roleByName(RoleUser)
	if adminCreate && str(p.RoleID) != "" {
		if r = s.roleByID(str(p.RoleID)); r == nil || r.name == RoleSuperAdmin {
			q.errors(http.StatusBadRequest, "RecordInvalid")
			return
		}
	}
	u := s.newUser(name, email, password, r)
	if l := str(p.Language); l != "" {
		u.language = l
	}
	if u.role.perms["CreateRoom"] == "true" {
		s.newRoom(u.name+"'s Room", u)
	}
	if !adminCreate {
		u.sessionToken = randomHex(16)
		q.sess.userID, q.sess.token = u.id, u.sessionToken
	}
	q.data(http.StatusCreated, currentUserJSON(u), nil)
}

func (s *Server) showUser(q *req, id string) {
	u := s.userFor(q, id)
	if u == nil {
		return
	}
	q.data(http.StatusOK, userJSON(u), nil)
}

func (s *Server) updateUser(q *req, id string) {
	u := s.userFor(q, id)
	if u == nil {
		return
	}
	var p userParams
	if !q.param("user", &p) {
		q.badParams()
		return
	}
	if p.RoleID != nil && *p.RoleID != "" && q.cur == u && *p.RoleID != u.role.id {
		q.errors(http.StatusForbidden, []string{"Unauthorized"})
		return
	}
	var errs []string
	if p.Name != nil && strings.TrimSpace(*p.Name) == "" {
		errs = append(errs, "Name can't be blank")
	}
	if p.Password != nil && !validPassword(*p.Password) {
		errs = append(errs, "Password is invalid")
	}
	var newRole *role
	if p.RoleID != nil && *p.RoleID != "" {
		if newRole = s.roleByID(*p.RoleID); newRole == nil || newRole.name == RoleSuperAdmin {
			errs = append(errs, "Role must exist")
		}
	}
	if len(errs) > 0 {
		q.errors(http.StatusBadRequest, errs)
		return
	}
	if p.Name != nil {
		u.name = strings.TrimSpace(*p.Name)
	}
	if p.Password != nil {
		u.password = *p.Password
	}
	if p.Language != nil {
		u.language = *p.Language
	}
	if newRole != nil {
		u.role = newRole
	}
	q.data(http.StatusOK, map[string]any{}, nil)
}

func (s *Server) deleteUser(q *req, id string) {
	u := s.userFor(q, id)
	if u == nil {
		return
	}
	s.users = slices.DeleteFunc(s.users, func(x *user) bool { return x == u })
	var gone []string
	s.rooms = slices.DeleteFunc(s.rooms, func(rm *room) bool {
		if rm.ownerID == id {
			gone = append(gone, rm.id)
			return true
		}
		return false
	})
	s.recordings = slices.DeleteFunc(s.recordings, func(r *recording) bool { return slices.Contains(gone, r.roomID) })
	for _, rm := range s.rooms {
		rm.shared = slices.DeleteFunc(rm.shared, func(x string) bool { return x == id })
	}
	q.data(http.StatusOK, map[string]any{}, nil)
}

func (s *Server) changePassword(q *req) {
	if !q.authenticated() {
		return
	}
	var p userParams
	if !q.param("user", &p) {
		q.badParams()
		return
	}
	if str(p.OldPassword) == "" || str(p.NewPassword) == "" {
		q.errors(http.StatusBadRequest, nil)
		return
	}
	if str(p.OldPassword) != q.cur.password {
		q.errors(http.StatusBadRequest, "IncorrectOldPassword")
		return
	}
	if !validPassword(str(p.NewPassword)) {
		q.errors(http.StatusBadRequest, "RecordInvalid")
		return
	}
	q.cur.password = str(p.NewPassword)
	q.data(http.StatusOK, map[string]any{}, nil)
}

func (s *Server) adminUsers(q *req, list string) {
	if !s.allowed(q, []string{"ManageUsers"}, "", "", "") {
		return
	}
	search := strings.ToLower(q.r.URL.Query().Get("search"))
	var out []map[string]any
	for i := len(s.users) - 1; i >= 0; i-- { // newest first, like Greenlight
		u := s.users[i]
		if u.role.name == RoleSuperAdmin {
			continue
		}
		var in bool
		switch list {
		case "verified":
			in = u.verified
		case "unverified":
			in = !u.verified
		case "pending":
			in = u.status == "pending"
		case "banned":
			in = u.status == "banned"
		default:
			q.notFound()
			return
		}
		if !in {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(u.name), search) &&
			!strings.Contains(u.email, search) && !strings.Contains(strings.ToLower(u.role.name), search) {
			continue
		}
		out = append(out, userJSON(u))
	}
	items, meta := page(q, out, s.cfg.pageSize)
	q.data(http.StatusOK, items, meta)
}

func (s *Server) adminUpdateUser(q *req, id string) {
	if !s.allowed(q, []string{"ManageUsers"}, "", "", "") {
		return
	}
	u := s.findUser(q, id)
	if u == nil {
		return
	}
	var p userParams
	if !q.param("user", &p) {
		q.badParams()
		return
	}
	if p.Status != nil {
		switch *p.Status {
		case "active", "pending", "banned":
			u.status = *p.Status
		default:
			q.errors(http.StatusBadRequest, []string{"Status is not included in the list"})
			return
		}
	}
	if p.Verified != nil {
		u.verified = *p.Verified
	}
	q.data(http.StatusOK, map[string]any{}, nil)
}

func (s *Server) listRoles(q *req) {
	if !s.allowed(q, []string{"ManageRoles"}, "", "", "") {
		return
	}
	out := []map[string]any{}
	for _, r := range s.roles {
		if r.name != RoleSuperAdmin {
			out = append(out, roleJSON(r))
		}
	}
	q.data(http.StatusOK, out, nil)
}
