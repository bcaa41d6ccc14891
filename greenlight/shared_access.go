package greenlight

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// SharedUser is a user a room is (or can be) shared with (SharedAccessSerializer).
type SharedUser struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Avatar string `json:"avatar"`
}

// ShareRoom shares a room with users (POST /api/v1/shared_accesses.json).
// Greenlight silently skips ids of unknown users or of another provider.
func (c *Client) ShareRoom(ctx context.Context, friendlyID string, userIDs ...string) error {
	if err := checkFriendlyID(friendlyID); err != nil {
		return err
	}
	if len(userIDs) == 0 {
		return errors.New("greenlight: ShareRoom: no user ids")
	}
	for _, id := range userIDs {
		if err := checkID("user id", id); err != nil {
			return err
		}
	}
	return c.call(ctx, request{method: http.MethodPost, path: "shared_accesses.json",
		body: map[string]any{"friendly_id": friendlyID, "shared_users": userIDs}})
}

// SharedUsers lists the users a room is shared with
// (GET /api/v1/shared_accesses/:friendly_id.json).
func (c *Client) SharedUsers(ctx context.Context, friendlyID string) ([]SharedUser, error) {
	if err := checkFriendlyID(friendlyID); err != nil {
		return nil, err
	}
	var users []SharedUser
	err := c.call(ctx, request{method: http.MethodGet, path: "shared_accesses/" + friendlyID + ".json", out: &users})
	return users, err
}

// UnshareRoom removes one user's access
// (DELETE /api/v1/shared_accesses/:friendly_id.json?user_id=).
func (c *Client) UnshareRoom(ctx context.Context, friendlyID, userID string) error {
	if err := checkFriendlyID(friendlyID); err != nil {
		return err
	}
	if err := checkID("user id", userID); err != nil {
		return err
	}
	return c.call(ctx, request{method: http.MethodDelete, path: "shared_accesses/" + friendlyID + ".json",
		query: url.Values{"user_id": {userID}}})
}

// ShareableUsers searches users the room can be shared with
// (GET /api/v1/shared_accesses/:friendly_id/shareable_users.json). Greenlight
// returns nothing for searches shorter than 3 characters, and only users
// whose role has SharedList.
func (c *Client) ShareableUsers(ctx context.Context, friendlyID, search string) ([]SharedUser, error) {
	if err := checkFriendlyID(friendlyID); err != nil {
		return nil, err
	}
	var users []SharedUser
	err := c.call(ctx, request{method: http.MethodGet, path: "shared_accesses/" + friendlyID + "/shareable_users.json",
		query: pageQuery(search, "search", 0), out: &users})
	return users, err
}
