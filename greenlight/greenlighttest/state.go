package greenlighttest

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// Role names the fake knows, with the permissions of Greenlight's seeds.
const (
	RoleSuperAdmin    = "SuperAdmin"
	RoleAdministrator = "Administrator"
	RoleUser          = "User"
	RoleGuest         = "Guest"
)

type role struct {
	id, name, color string
	perms           map[string]string
}

func defaultRoles() []*role {
	admin := map[string]string{
		"CreateRoom": "true", "ManageUsers": "true", "ManageRooms": "true", "ManageRecordings": "true",
		"ManageSiteSettings": "true", "ManageRoles": "true", "SharedList": "true", "CanRecord": "true",
		"RoomLimit": "100", "AccessToVisibilities": "true",
	}
	user := map[string]string{
		"CreateRoom": "true", "ManageUsers": "false", "ManageRooms": "false", "ManageRecordings": "false",
		"ManageSiteSettings": "false", "ManageRoles": "false", "SharedList": "true", "CanRecord": "true",
		"RoomLimit": "100", "AccessToVisibilities": "true",
	}
	guest := map[string]string{
		"CreateRoom": "false", "ManageUsers": "false", "ManageRooms": "false", "ManageRecordings": "false",
		"ManageSiteSettings": "false", "ManageRoles": "false", "SharedList": "false", "CanRecord": "false",
		"RoomLimit": "0", "AccessToVisibilities": "false",
	}
	return []*role{
		{id: newUUID(), name: RoleSuperAdmin, color: "#000000", perms: admin},
		{id: newUUID(), name: RoleAdministrator, color: "#228B22", perms: admin},
		{id: newUUID(), name: RoleUser, color: "#4169E1", perms: user},
		{id: newUUID(), name: RoleGuest, color: "#808080", perms: guest},
	}
}

type user struct {
	id, name, email, password, language, provider, status string
	verified                                              bool
	role                                                  *role
	created                                               time.Time
	sessionToken                                          string
}

type room struct {
	id, friendlyID, meetingID, name, ownerID string
	online                                   bool
	participants                             int
	lastSession                              time.Time
	settings                                 map[string]string
	shared                                   []string // user ids, in share order
}

type recording struct {
	id, recordID, roomID, name, visibility string
	length, participants                   int
	protectable                            bool
	created, recorded                      time.Time
	formats                                []format
}

type format struct{ typ, url string }

// session is the server side of the cookie session (Rails keeps it in a
// signed cookie; the effect for clients is the same).
type session struct {
	csrf   string
	userID string
	token  string // must equal the user's sessionToken
}

// defaultSettings are the room settings a new room gets, with the rooms
// configuration "optional" for each.
func defaultSettings() map[string]string {
	return map[string]string{
		"record": "false", "muteOnStart": "false", "guestPolicy": "ALWAYS_ACCEPT",
		"glAnyoneCanStart": "false", "glAnyoneJoinAsModerator": "false", "glRequireAuthentication": "false",
		"glViewerAccessCode": "", "glModeratorAccessCode": "", "serverTag": "", "serverTagRequired": "false",
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"

func randomAlnum(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// newFriendlyID returns "xxx-xxx-xxx-xxx" like Greenlight v3's Room model.
func newFriendlyID() string {
	s := randomAlnum(12)
	return strings.Join([]string{s[0:3], s[3:6], s[6:9], s[9:12]}, "-")
}

// validPassword applies Greenlight's rule: 8+ characters with a lower- and
// an upper-case letter, a digit and a symbol.
func validPassword(p string) bool {
	if len(p) < 8 {
		return false
	}
	var lo, up, dig, sym bool
	for _, r := range p {
		switch {
		case 'a' <= r && r <= 'z':
			lo = true
		case 'A' <= r && r <= 'Z':
			up = true
		case '0' <= r && r <= '9':
			dig = true
		default:
			sym = true
		}
	}
	return lo && up && dig && sym
}
