package greenlight

import (
	"context"
	"errors"
	"net/http"
	"strconv"
)

// Setting names accepted by UpdateRoomSetting.
const (
	SettingRecord                = "record"
	SettingMuteOnStart           = "muteOnStart"
	SettingGuestPolicy           = "guestPolicy" // a GuestPolicy value
	SettingAnyoneCanStart        = "glAnyoneCanStart"
	SettingAnyoneJoinAsModerator = "glAnyoneJoinAsModerator"
	SettingRequireAuthentication = "glRequireAuthentication"
	SettingViewerAccessCode      = "glViewerAccessCode"
	SettingModeratorAccessCode   = "glModeratorAccessCode"
	SettingServerTag             = "serverTag"
	SettingServerTagRequired     = "serverTagRequired"
)

// Guest policies (values of SettingGuestPolicy).
const (
	GuestAlwaysAccept = "ALWAYS_ACCEPT"
	GuestAskModerator = "ASK_MODERATOR"
	GuestAlwaysDeny   = "ALWAYS_DENY"
)

// AccessCode selects one of a room's two access codes.
type AccessCode string

// The two access codes of a room.
const (
	ViewerCode    AccessCode = SettingViewerAccessCode
	ModeratorCode AccessCode = SettingModeratorAccessCode
)

// RoomSettings are a room's settings as Greenlight returns them: name to
// string value ("true"/"false", a guest policy, an access code or "").
// Settings the administrator disabled are absent.
type RoomSettings map[string]string

// Bool reports a "true"/"false" setting; ok is false when absent.
func (s RoomSettings) Bool(name string) (v, ok bool) {
	raw, ok := s[name]
	if !ok {
		return false, false
	}
	b, err := strconv.ParseBool(raw)
	return err == nil && b, true
}

// Code returns the access code kind, or "" when the room has none.
func (s RoomSettings) Code(kind AccessCode) string { return s[string(kind)] }

// GetRoomSettings returns a room's enabled settings including the access
// codes (GET /api/v1/room_settings/:friendly_id.json).
func (c *Client) GetRoomSettings(ctx context.Context, friendlyID string) (RoomSettings, error) {
	if err := checkFriendlyID(friendlyID); err != nil {
		return nil, err
	}
	var s RoomSettings
	if err := c.call(ctx, request{method: http.MethodGet, path: "room_settings/" + friendlyID + ".json", out: &s}); err != nil {
		return nil, err
	}
	if s == nil {
		s = RoomSettings{}
	}
	return s, nil
}

// UpdateRoomSetting sets one setting (PATCH /api/v1/room_settings/:friendly_id.json).
// Greenlight answers ErrForbidden when the administrator's rooms
// configuration does not leave that setting optional, and ErrInvalid for an
// unknown name. Use GenerateAccessCode and RemoveAccessCode for codes.
func (c *Client) UpdateRoomSetting(ctx context.Context, friendlyID, name, value string) error {
	if err := checkFriendlyID(friendlyID); err != nil {
		return err
	}
	if name == "" {
		return errors.New("greenlight: UpdateRoomSetting: empty setting name")
	}
	return c.call(ctx, request{method: http.MethodPatch, path: "room_settings/" + friendlyID + ".json",
		body: map[string]any{"room_setting": map[string]string{"settingName": name, "settingValue": value}}})
}

// SetRoomBool sets a "true"/"false" setting such as SettingRecord.
func (c *Client) SetRoomBool(ctx context.Context, friendlyID, name string, v bool) error {
	return c.UpdateRoomSetting(ctx, friendlyID, name, strconv.FormatBool(v))
}

// GenerateAccessCode makes Greenlight generate a new random code of the
// given kind (the code cannot be chosen) and returns it.
func (c *Client) GenerateAccessCode(ctx context.Context, friendlyID string, kind AccessCode) (string, error) {
	if kind != ViewerCode && kind != ModeratorCode {
		return "", errors.New("greenlight: GenerateAccessCode: unknown access code kind")
	}
	if err := c.UpdateRoomSetting(ctx, friendlyID, string(kind), "true"); err != nil {
		return "", err
	}
	s, err := c.GetRoomSettings(ctx, friendlyID)
	if err != nil {
		return "", err
	}
	return s.Code(kind), nil
}

// RemoveAccessCode removes the access code of the given kind.
func (c *Client) RemoveAccessCode(ctx context.Context, friendlyID string, kind AccessCode) error {
	if kind != ViewerCode && kind != ModeratorCode {
		return errors.New("greenlight: RemoveAccessCode: unknown access code kind")
	}
	return c.UpdateRoomSetting(ctx, friendlyID, string(kind), "false")
}
