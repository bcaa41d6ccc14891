package greenlighttest

import (
	"net/http"
	"strings"
)

// route dispatches an API path (without "/api/v1/" and ".json").
func (s *Server) route(q *req, path string) {
	seg := strings.Split(path, "/")
	m := q.r.Method
	switch {
	case path == "sessions" && m == http.MethodGet:
		s.getSession(q)
	case path == "sessions" && m == http.MethodPost:
		s.signIn(q)
	case path == "sessions/signout" && m == http.MethodDelete:
		s.signOut(q)

	case path == "users" && m == http.MethodPost:
		s.createUser(q)
	case path == "users/change_password" && m == http.MethodPost:
		s.changePassword(q)
	case len(seg) == 2 && seg[0] == "users" && m == http.MethodGet:
		s.showUser(q, seg[1])
	case len(seg) == 2 && seg[0] == "users" && (m == http.MethodPatch || m == http.MethodPut):
		s.updateUser(q, seg[1])
	case len(seg) == 2 && seg[0] == "users" && m == http.MethodDelete:
		s.deleteUser(q, seg[1])

	case len(seg) == 3 && seg[0] == "admin" && seg[1] == "users" && m == http.MethodGet:
		s.adminUsers(q, seg[2])
	case len(seg) == 3 && seg[0] == "admin" && seg[1] == "users" && (m == http.MethodPatch || m == http.MethodPut):
		s.adminUpdateUser(q, seg[2])
	case path == "admin/server_rooms" && m == http.MethodGet:
		s.serverRooms(q)
	case path == "admin/roles" && m == http.MethodGet:
		s.listRoles(q)

	case path == "rooms" && m == http.MethodGet:
		s.listRooms(q)
	case path == "rooms" && m == http.MethodPost:
		s.createRoom(q)
	case len(seg) == 2 && seg[0] == "rooms" && m == http.MethodGet:
		s.showRoom(q, seg[1])
	case len(seg) == 2 && seg[0] == "rooms" && (m == http.MethodPatch || m == http.MethodPut):
		s.updateRoom(q, seg[1])
	case len(seg) == 2 && seg[0] == "rooms" && m == http.MethodDelete:
		s.deleteRoom(q, seg[1])
	case len(seg) == 3 && seg[0] == "rooms" && seg[2] == "recordings" && m == http.MethodGet:
		s.roomRecordings(q, seg[1])

	case len(seg) == 2 && seg[0] == "room_settings" && m == http.MethodGet:
		s.showRoomSettings(q, seg[1])
	case len(seg) == 2 && seg[0] == "room_settings" && (m == http.MethodPatch || m == http.MethodPut):
		s.updateRoomSetting(q, seg[1])

	case path == "shared_accesses" && m == http.MethodPost:
		s.share(q)
	case len(seg) == 2 && seg[0] == "shared_accesses" && m == http.MethodGet:
		s.sharedUsers(q, seg[1])
	case len(seg) == 2 && seg[0] == "shared_accesses" && m == http.MethodDelete:
		s.unshare(q, seg[1])
	case len(seg) == 3 && seg[0] == "shared_accesses" && seg[2] == "shareable_users" && m == http.MethodGet:
		s.shareableUsers(q, seg[1])

	case len(seg) == 3 && seg[0] == "meetings" && seg[2] == "start" && m == http.MethodPost:
		s.startMeeting(q, seg[1])
	case len(seg) == 3 && seg[0] == "meetings" && seg[2] == "status" && m == http.MethodPost:
		s.meetingStatus(q, seg[1])
	case len(seg) == 3 && seg[0] == "meetings" && seg[2] == "running" && m == http.MethodGet:
		s.meetingRunning(q, seg[1])

	case path == "recordings" && m == http.MethodGet:
		s.listRecordings(q)
	case path == "recordings/update_visibility" && m == http.MethodPost:
		s.updateVisibility(q)
	case len(seg) == 2 && seg[0] == "recordings" && (m == http.MethodPatch || m == http.MethodPut):
		s.renameRecording(q, seg[1])
	case len(seg) == 2 && seg[0] == "recordings" && m == http.MethodDelete:
		s.deleteRecording(q, seg[1])

	default:
		q.notFound()
	}
}
