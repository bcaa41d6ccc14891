package greenlight

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"regexp"
	"strings"
)

// Room is a Greenlight room. List answers (RoomSerializer), the single-room
// answer (CurrentRoomSerializer) and the admin list (ServerRoomSerializer)
// fill different subsets; the BBB meetingID is never exposed by Greenlight.
type Room struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	FriendlyID   string `json:"friendly_id"`
	Online       bool   `json:"online"`
	Participants int    `json:"participants"`
	// LastSession is Greenlight's text: RFC 3339 in user lists, a date such
	// as "January 2, 2025" in the admin list, empty if never started.
	LastSession string `json:"last_session"`
	// Shared is true when the room is shared with the signed-in user.
	Shared bool `json:"shared"`
	// SharedOwner names the owner of a room shared with the signed-in user (lists).
	SharedOwner string `json:"shared_owner"`
	// OwnerName names the owner (GetRoom).
	OwnerName string `json:"owner_name"`
	// Owner names the owner (admin list).
	Owner            string `json:"owner"`
	PresentationName string `json:"presentation_name"`
}

var friendlyIDRe = regexp.MustCompile(`^[a-z0-9]{3}-[a-z0-9]{3}-[a-z0-9]{3}(-[a-z0-9]{3})?$`)

// ValidFriendlyID reports whether s looks like a Greenlight room id:
// "xxx-xxx-xxx-xxx" (v3) or "xxx-xxx-xxx" (rooms migrated from old v2).
func ValidFriendlyID(s string) bool { return friendlyIDRe.MatchString(s) }

func checkFriendlyID(id string) error {
	if !ValidFriendlyID(id) {
		return errors.New("greenlight: invalid room friendly id " + quoteShort(id))
	}
	return nil
}

func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

// Rooms lists the signed-in user's own and shared rooms
// (GET /api/v1/rooms.json), filtered by search when not empty.
func (c *Client) Rooms(ctx context.Context, search string) ([]Room, error) {
	var rooms []Room
	err := c.call(ctx, request{method: http.MethodGet, path: "rooms.json", query: pageQuery(search, "search", 0), out: &rooms})
	return rooms, err
}

// CreateRoom creates a room named name (POST /api/v1/rooms.json) for the
// user ownerID; ownerID must be the signed-in user's id unless the role has
// ManageUsers. It returns the friendly id when Greenlight reports it
// (recent v3 releases answer "/rooms/<friendly_id>"); older releases answer
// nothing, and then the id is "" with a nil error.
func (c *Client) CreateRoom(ctx context.Context, name, ownerID string) (string, error) {
	if strings.TrimSpace(name) == "" {
		return "", errors.New("greenlight: CreateRoom: empty room name")
	}
	if err := checkID("owner id", ownerID); err != nil {
		return "", err
	}
	var data json.RawMessage
	err := c.call(ctx, request{method: http.MethodPost, path: "rooms.json",
		body: map[string]any{"room": map[string]string{"name": name, "user_id": ownerID}}, out: &data})
	if err != nil {
		return "", err
	}
	return friendlyIDFromCreate(data), nil
}

// friendlyIDFromCreate reads "/rooms/<id>", "<id>" or {"friendly_id": "<id>"}.
func friendlyIDFromCreate(data json.RawMessage) string {
	var s string
	if json.Unmarshal(data, &s) == nil {
		s = strings.TrimSuffix(s, "/")
		if i := strings.LastIndexByte(s, '/'); i >= 0 {
			s = s[i+1:]
		}
		if ValidFriendlyID(s) {
			return s
		}
		return ""
	}
	var o struct {
		FriendlyID string `json:"friendly_id"`
	}
	if json.Unmarshal(data, &o) == nil && ValidFriendlyID(o.FriendlyID) {
		return o.FriendlyID
	}
	return ""
}

// GetRoom returns one room (GET /api/v1/rooms/:friendly_id.json).
func (c *Client) GetRoom(ctx context.Context, friendlyID string) (*Room, error) {
	if err := checkFriendlyID(friendlyID); err != nil {
		return nil, err
	}
	var r Room
	if err := c.call(ctx, request{method: http.MethodGet, path: "rooms/" + friendlyID + ".json", out: &r}); err != nil {
		return nil, err
	}
	r.FriendlyID = friendlyID
	return &r, nil
}

// RenameRoom renames a room (PATCH /api/v1/rooms/:friendly_id.json).
func (c *Client) RenameRoom(ctx context.Context, friendlyID, name string) error {
	if err := checkFriendlyID(friendlyID); err != nil {
		return err
	}
	if strings.TrimSpace(name) == "" {
		return errors.New("greenlight: RenameRoom: empty room name")
	}
	return c.call(ctx, request{method: http.MethodPatch, path: "rooms/" + friendlyID + ".json",
		body: map[string]any{"room": map[string]string{"name": name}}})
}

// DeleteRoom deletes a room (DELETE /api/v1/rooms/:friendly_id.json).
func (c *Client) DeleteRoom(ctx context.Context, friendlyID string) error {
	if err := checkFriendlyID(friendlyID); err != nil {
		return err
	}
	return c.call(ctx, request{method: http.MethodDelete, path: "rooms/" + friendlyID + ".json"})
}

// ListServerRooms returns one page of every room of the installation
// (GET /api/v1/admin/server_rooms.json); needs ManageRooms. Search matches
// room name, friendly id or owner name. Rooms carry Owner (a name).
func (c *Client) ListServerRooms(ctx context.Context, search string, page int) ([]Room, Page, error) {
	var rooms []Room
	var p Page
	err := c.call(ctx, request{method: http.MethodGet, path: "admin/server_rooms.json",
		query: pageQuery(search, "search", page), out: &rooms, page: &p})
	return rooms, p, err
}

// AllServerRooms iterates over every page of ListServerRooms.
func (c *Client) AllServerRooms(ctx context.Context, search string) iter.Seq2[Room, error] {
	return paginate(func(page int) ([]Room, Page, error) { return c.ListServerRooms(ctx, search, page) })
}
