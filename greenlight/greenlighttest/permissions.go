package greenlighttest

import (
	"slices"
	"strconv"
)

// authorized mirrors Greenlight's PermissionsChecker: SuperAdmin passes,
// inactive users fail, a role permission set to "true" passes, otherwise the
// resource must be the user's own (or shared with them).
func (s *Server) authorized(cur *user, perms []string, userID, fid, recordID string) bool {
	if cur != nil {
		if cur.role.name == RoleSuperAdmin {
			return true
		}
		if cur.status != "active" {
			return false
		}
		for _, p := range perms {
			if cur.role.perms[p] == "true" {
				return true
			}
		}
	}
	for _, p := range perms {
		switch p {
		case "ManageUsers":
			if cur != nil && userID != "" && cur.id == userID {
				return true
			}
		case "ManageRooms":
			if cur != nil && fid != "" {
				if rm := s.roomByFID(fid); rm != nil && rm.ownerID == cur.id {
					return true
				}
			}
		case "SharedRoom":
			if cur == nil {
				continue
			}
			if fid != "" {
				if rm := s.roomByFID(fid); rm != nil && rm.sharedWith(cur.id) {
					return true
				}
			}
			if recordID != "" {
				if rec := s.recordingByRecordID(recordID); rec != nil {
					if rm := s.roomByID(rec.roomID); rm != nil && rm.sharedWith(cur.id) {
						return true
					}
				}
			}
		case "ManageRecordings":
			if cur != nil && recordID != "" {
				if rec := s.recordingByRecordID(recordID); rec != nil {
					if rm := s.roomByID(rec.roomID); rm != nil && rm.ownerID == cur.id {
						return true
					}
				}
			}
		case "PublicRecordings":
			if rec := s.recordingByRecordID(recordID); rec != nil && (rec.visibility == "Public" || rec.visibility == "Public/Protected") {
				return true
			}
		case "RoomLimit":
			if u := s.userByID(userID); u != nil {
				limit, _ := strconv.Atoi(u.role.perms["RoomLimit"])
				if s.roomsOwnedBy(u.id) < limit {
					return true
				}
			}
		}
	}
	return false
}

func (rm *room) sharedWith(userID string) bool {
	return slices.Contains(rm.shared, userID)
}

func (s *Server) roomsOwnedBy(userID string) int {
	n := 0
	for _, rm := range s.rooms {
		if rm.ownerID == userID {
			n++
		}
	}
	return n
}

// allowed answers 401 when nobody is signed in and 403 when the signed-in
// user passes none of perms for the named resources; it reports whether the
// handler may go on.
func (s *Server) allowed(q *req, perms []string, userID, fid, recordID string) bool {
	if !q.authenticated() {
		return false
	}
	if !s.authorized(q.cur, perms, userID, fid, recordID) {
		q.forbidden()
		return false
	}
	return true
}

// roomFor answers 401, then 404 for an unknown room, then 403 when the
// signed-in user passes none of perms for it; otherwise it returns the room.
func (s *Server) roomFor(q *req, fid string, perms ...string) *room {
	if !q.authenticated() {
		return nil
	}
	rm := s.findRoom(q, fid)
	if rm == nil {
		return nil
	}
	if !s.authorized(q.cur, perms, "", fid, "") {
		q.forbidden()
		return nil
	}
	return rm
}

// recordingFor answers 404 for an unknown recording and 403 when the
// signed-in user may not change it; otherwise it returns the recording.
func (s *Server) recordingFor(q *req, recordID string) *recording {
	rec := s.recordingByRecordID(recordID)
	if rec == nil {
		q.notFound()
		return nil
	}
	if !s.authorized(q.cur, []string{"ManageRecordings", "SharedRoom", "PublicRecordings"}, "", "", recordID) {
		q.forbidden()
		return nil
	}
	return rec
}

// userFor answers 401, then 403 unless the signed-in user may manage the
// user id, then 404 for an unknown user; otherwise it returns the user.
func (s *Server) userFor(q *req, id string) *user {
	if !s.allowed(q, []string{"ManageUsers"}, id, "", "") {
		return nil
	}
	return s.findUser(q, id)
}

// findUser answers 404 when the user does not exist.
func (s *Server) findUser(q *req, id string) *user {
	u := s.userByID(id)
	if u == nil {
		q.notFound()
	}
	return u
}
