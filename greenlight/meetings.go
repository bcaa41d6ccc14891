package greenlight

import (
	"context"
	"net/http"
)

// MeetingStatus is the answer of MeetingStatus.
type MeetingStatus struct {
	Running bool   `json:"status"`
	JoinURL string `json:"joinUrl"` // set when the meeting runs (or was just started)
}

// StartMeeting starts the room's meeting on BigBlueButton and returns a
// moderator join URL for the signed-in user
// (POST /api/v1/meetings/:friendly_id/start.json); owner or shared users only.
func (c *Client) StartMeeting(ctx context.Context, friendlyID string) (string, error) {
	if err := checkFriendlyID(friendlyID); err != nil {
		return "", err
	}
	var joinURL string
	err := c.call(ctx, request{method: http.MethodPost, path: "meetings/" + friendlyID + "/start.json", body: map[string]any{}, out: &joinURL})
	return joinURL, err
}

// MeetingStatus asks to join (POST /api/v1/meetings/:friendly_id/status.json):
// Greenlight starts the meeting when the room settings allow it and returns
// a join URL whose role follows the settings and the access code. name is
// used for guests; accessCode may be empty.
func (c *Client) MeetingStatus(ctx context.Context, friendlyID, name, accessCode string) (*MeetingStatus, error) {
	if err := checkFriendlyID(friendlyID); err != nil {
		return nil, err
	}
	body := map[string]string{}
	if name != "" {
		body["name"] = name
	}
	if accessCode != "" {
		body["access_code"] = accessCode
	}
	var st MeetingStatus
	if err := c.call(ctx, request{method: http.MethodPost, path: "meetings/" + friendlyID + "/status.json", body: body, out: &st}); err != nil {
		return nil, err
	}
	return &st, nil
}

// MeetingRunning reports whether the room's meeting runs
// (GET /api/v1/meetings/:friendly_id/running.json).
func (c *Client) MeetingRunning(ctx context.Context, friendlyID string) (bool, error) {
	if err := checkFriendlyID(friendlyID); err != nil {
		return false, err
	}
	var running bool
	err := c.call(ctx, request{method: http.MethodGet, path: "meetings/" + friendlyID + "/running.json", out: &running})
	return running, err
}
