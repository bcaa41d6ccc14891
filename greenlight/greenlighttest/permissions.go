package greenlighttest

import "strconv"

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
	for _, id := range rm.shared {
		if id == userID {
			return true
		}
	}
	return false
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
