package oidc

import (
	"context"

	"github.com/bbbkit/bbbkit/bbb"
)

// Room is a meeting users may sign in to.
type Room struct {
	// ID is the BBB meetingID.
	ID string
	// Name is the meeting name shown in BBB and on pages.
	Name string
	// Create holds the create parameters used when the meeting is created on
	// demand. MeetingID and Name are taken from the Room.
	Create bbb.CreateMeetingParams
	// AnyoneMayStart lets viewers create the meeting too. By default only a
	// user whose role is moderator starts it; viewers wait until it runs.
	AnyoneMayStart bool
	// Rules are asked before the Joiner's own role rules, so a room can
	// have its own moderators.
	Rules []RoleRule
}

// RoomFunc finds the room for a meeting ID. It returns (nil, nil) or an
// error matching ErrUnknownMeeting when there is none; other errors are
// reported as BBB errors.
type RoomFunc func(ctx context.Context, meetingID string) (*Room, error)

// StaticRooms returns a RoomFunc over a fixed list of rooms.
func StaticRooms(rooms ...Room) RoomFunc {
	byID := make(map[string]*Room, len(rooms))
	for i := range rooms {
		r := rooms[i]
		byID[r.ID] = &r
	}
	return func(_ context.Context, id string) (*Room, error) {
		r, ok := byID[id]
		if !ok {
			return nil, nil
		}
		cp := *r
		return &cp, nil
	}
}

func (r *Room) createParams() *bbb.CreateMeetingParams {
	p := r.Create
	p.MeetingID = r.ID
	if p.Name == "" {
		p.Name = r.Name
	}
	if p.Name == "" {
		p.Name = r.ID
	}
	return &p
}
