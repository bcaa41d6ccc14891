package greenlight_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/greenlight"
	"github.com/bbbkit/bbbkit/greenlight/greenlighttest"
)

func TestRooms(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	alice, aliceID := e.addUser(t, "Alice", "alice@example.com", greenlighttest.RoleUser)
	_, bobID := e.addUser(t, "Bob", "bob@example.com", greenlighttest.RoleUser)

	fid, err := alice.CreateRoom(ctx, "Biology 101", aliceID)
	require.NoError(t, err)
	assert.True(t, greenlight.ValidFriendlyID(fid), fid)
	assert.Regexp(t, `^[a-z0-9]{3}-[a-z0-9]{3}-[a-z0-9]{3}-[a-z0-9]{3}$`, fid)

	// Duplicate names are allowed by Greenlight: two rooms, two ids.
	fid2, err := alice.CreateRoom(ctx, "Biology 101", aliceID)
	require.NoError(t, err)
	assert.NotEqual(t, fid, fid2)

	// A plain user cannot create a room for someone else; an admin can.
	_, err = alice.CreateRoom(ctx, "For Bob", bobID)
	require.ErrorIs(t, err, greenlight.ErrForbidden)
	bobRoom, err := e.admin.CreateRoom(ctx, "Chemistry", bobID)
	require.NoError(t, err)

	_, err = alice.CreateRoom(ctx, "  ", aliceID)
	require.Error(t, err)
	_, err = e.admin.CreateRoom(ctx, "Nobody's", "00000000-0000-4000-8000-000000000000")
	require.ErrorIs(t, err, greenlight.ErrInvalid)

	rooms, err := alice.Rooms(ctx, "")
	require.NoError(t, err)
	assert.Len(t, rooms, 2)
	rooms, err = alice.Rooms(ctx, "bio")
	require.NoError(t, err)
	assert.Len(t, rooms, 2)
	rooms, err = alice.Rooms(ctx, "chem")
	require.NoError(t, err)
	assert.Empty(t, rooms)

	r, err := alice.GetRoom(ctx, fid)
	require.NoError(t, err)
	assert.Equal(t, "Biology 101", r.Name)
	assert.Equal(t, "Alice", r.OwnerName)
	assert.Equal(t, fid, r.FriendlyID)
	assert.False(t, r.Shared)

	_, err = alice.GetRoom(ctx, bobRoom)
	require.ErrorIs(t, err, greenlight.ErrForbidden)
	_, err = alice.GetRoom(ctx, "zzz-zzz-zzz-zzz")
	require.ErrorIs(t, err, greenlight.ErrNotFound)
	_, err = alice.GetRoom(ctx, "../users")
	require.Error(t, err)
	require.NotErrorIs(t, err, greenlight.ErrNotFound) // refused before any request

	require.NoError(t, alice.RenameRoom(ctx, fid2, "Biology 102"))
	r, err = alice.GetRoom(ctx, fid2)
	require.NoError(t, err)
	assert.Equal(t, "Biology 102", r.Name)
	require.ErrorIs(t, alice.RenameRoom(ctx, bobRoom, "Mine"), greenlight.ErrForbidden)

	require.ErrorIs(t, alice.DeleteRoom(ctx, bobRoom), greenlight.ErrForbidden)
	require.NoError(t, alice.DeleteRoom(ctx, fid2))
	_, err = alice.GetRoom(ctx, fid2)
	require.ErrorIs(t, err, greenlight.ErrNotFound)

	all := map[string]string{}
	for rm, err := range e.admin.AllServerRooms(ctx, "") {
		require.NoError(t, err)
		all[rm.FriendlyID] = rm.Owner
	}
	assert.Equal(t, map[string]string{fid: "Alice", bobRoom: "Bob"}, all)
	_, _, err = alice.ListServerRooms(ctx, "", 1)
	require.ErrorIs(t, err, greenlight.ErrForbidden)

	// A guest role cannot create or list rooms.
	guest, guestID := e.addUser(t, "Guest", "guest@example.com", greenlighttest.RoleGuest)
	_, err = guest.CreateRoom(ctx, "Nope", guestID)
	require.ErrorIs(t, err, greenlight.ErrForbidden)
	_, err = guest.Rooms(ctx, "")
	require.ErrorIs(t, err, greenlight.ErrForbidden)
}

func TestRoomSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	alice, aliceID := e.addUser(t, "Alice", "alice@example.com", greenlighttest.RoleUser)
	fid, err := alice.CreateRoom(ctx, "Lab", aliceID)
	require.NoError(t, err)

	s, err := alice.GetRoomSettings(ctx, fid)
	require.NoError(t, err)
	rec, ok := s.Bool(greenlight.SettingRecord)
	assert.True(t, ok)
	assert.False(t, rec)
	assert.Equal(t, greenlight.GuestAlwaysAccept, s[greenlight.SettingGuestPolicy])
	assert.Empty(t, s.Code(greenlight.ViewerCode))

	require.NoError(t, alice.SetRoomBool(ctx, fid, greenlight.SettingRecord, true))
	require.NoError(t, alice.SetRoomBool(ctx, fid, greenlight.SettingMuteOnStart, true))
	require.NoError(t, alice.UpdateRoomSetting(ctx, fid, greenlight.SettingGuestPolicy, greenlight.GuestAskModerator))
	code, err := alice.GenerateAccessCode(ctx, fid, greenlight.ViewerCode)
	require.NoError(t, err)
	assert.Regexp(t, `^[a-z0-9]{6}$`, code)

	s, err = alice.GetRoomSettings(ctx, fid)
	require.NoError(t, err)
	rec, _ = s.Bool(greenlight.SettingRecord)
	mute, _ := s.Bool(greenlight.SettingMuteOnStart)
	assert.True(t, rec)
	assert.True(t, mute)
	assert.Equal(t, greenlight.GuestAskModerator, s[greenlight.SettingGuestPolicy])
	assert.Equal(t, code, s.Code(greenlight.ViewerCode))

	require.NoError(t, alice.RemoveAccessCode(ctx, fid, greenlight.ViewerCode))
	s, err = alice.GetRoomSettings(ctx, fid)
	require.NoError(t, err)
	assert.Empty(t, s.Code(greenlight.ViewerCode))

	// Unknown setting, bad value, admin-locked setting.
	require.ErrorIs(t, alice.UpdateRoomSetting(ctx, fid, "noSuchSetting", "true"), greenlight.ErrInvalid)
	require.ErrorIs(t, alice.UpdateRoomSetting(ctx, fid, greenlight.SettingGuestPolicy, "MAYBE"), greenlight.ErrInvalid)
	require.NoError(t, e.fake.SetRoomsConfiguration(greenlight.SettingMuteOnStart, "false"))
	require.ErrorIs(t, alice.SetRoomBool(ctx, fid, greenlight.SettingMuteOnStart, false), greenlight.ErrForbidden)
	s, err = alice.GetRoomSettings(ctx, fid)
	require.NoError(t, err)
	_, ok = s.Bool(greenlight.SettingMuteOnStart)
	assert.False(t, ok, "disabled settings are not listed")

	// Others cannot read or change the settings.
	bob, _ := e.addUser(t, "Bob", "bob@example.com", greenlighttest.RoleUser)
	_, err = bob.GetRoomSettings(ctx, fid)
	require.ErrorIs(t, err, greenlight.ErrForbidden)
	require.ErrorIs(t, bob.SetRoomBool(ctx, fid, greenlight.SettingRecord, false), greenlight.ErrForbidden)
	_, err = alice.GenerateAccessCode(ctx, fid, "bogus")
	require.Error(t, err)
}

func TestSharedAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	alice, aliceID := e.addUser(t, "Alice", "alice@example.com", greenlighttest.RoleUser)
	bob, bobID := e.addUser(t, "Bob Builder", "bob@example.com", greenlighttest.RoleUser)
	_, guestID := e.addUser(t, "Bobby Guest", "bobby@example.com", greenlighttest.RoleGuest)
	fid, err := alice.CreateRoom(ctx, "Shared", aliceID)
	require.NoError(t, err)

	_, err = bob.GetRoom(ctx, fid)
	require.ErrorIs(t, err, greenlight.ErrForbidden)

	short, err := alice.ShareableUsers(ctx, fid, "bo")
	require.NoError(t, err)
	assert.Empty(t, short, "searches under 3 characters return nothing")
	cand, err := alice.ShareableUsers(ctx, fid, "bob")
	require.NoError(t, err)
	require.Len(t, cand, 1, "guests lack SharedList")
	assert.Equal(t, bobID, cand[0].ID)

	require.NoError(t, alice.ShareRoom(ctx, fid, bobID, guestID))
	require.NoError(t, alice.ShareRoom(ctx, fid, bobID)) // again: no duplicate
	users, err := alice.SharedUsers(ctx, fid)
	require.NoError(t, err)
	assert.Len(t, users, 2)
	cand, err = alice.ShareableUsers(ctx, fid, "bob")
	require.NoError(t, err)
	assert.Empty(t, cand)

	r, err := bob.GetRoom(ctx, fid)
	require.NoError(t, err)
	assert.True(t, r.Shared)
	rooms, err := bob.Rooms(ctx, "Shared")
	require.NoError(t, err)
	require.Len(t, rooms, 1)
	assert.Equal(t, "Alice", rooms[0].SharedOwner)
	// A shared user may see the list but not share further or delete.
	_, err = bob.SharedUsers(ctx, fid)
	require.NoError(t, err)
	require.ErrorIs(t, bob.ShareRoom(ctx, fid, guestID), greenlight.ErrForbidden)
	require.ErrorIs(t, bob.DeleteRoom(ctx, fid), greenlight.ErrForbidden)

	require.NoError(t, alice.UnshareRoom(ctx, fid, bobID))
	_, err = bob.GetRoom(ctx, fid)
	require.ErrorIs(t, err, greenlight.ErrForbidden)
	require.Error(t, alice.ShareRoom(ctx, fid))
}

func TestMeetings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	alice, aliceID := e.addUser(t, "Alice", "alice@example.com", greenlighttest.RoleUser)
	bob, _ := e.addUser(t, "Bob", "bob@example.com", greenlighttest.RoleUser)
	fid, err := alice.CreateRoom(ctx, "Live", aliceID)
	require.NoError(t, err)

	running, err := alice.MeetingRunning(ctx, fid)
	require.NoError(t, err)
	assert.False(t, running)

	// A guest (no account) must fetch a CSRF token before asking to join.
	guest := newClient(t, e.fake)
	require.NoError(t, guest.FetchCSRFToken(ctx))
	st, err := guest.MeetingStatus(ctx, fid, "Visitor", "")
	require.NoError(t, err)
	assert.False(t, st.Running)
	assert.Empty(t, st.JoinURL)

	_, err = bob.StartMeeting(ctx, fid)
	require.ErrorIs(t, err, greenlight.ErrForbidden)
	join, err := alice.StartMeeting(ctx, fid)
	require.NoError(t, err)
	u, err := url.Parse(join)
	require.NoError(t, err)
	assert.Equal(t, "Moderator", u.Query().Get("role"))
	assert.Equal(t, "Alice", u.Query().Get("fullName"))
	assert.Equal(t, "gl-"+aliceID, u.Query().Get("userID"))

	running, err = alice.MeetingRunning(ctx, fid)
	require.NoError(t, err)
	assert.True(t, running)

	st, err = guest.MeetingStatus(ctx, fid, "Visitor", "")
	require.NoError(t, err)
	assert.True(t, st.Running)
	gu, err := url.Parse(st.JoinURL)
	require.NoError(t, err)
	assert.Equal(t, "Viewer", gu.Query().Get("role"))
	assert.Equal(t, "Visitor", gu.Query().Get("fullName"))

	// Access codes decide the role; require-authentication refuses guests.
	mod, err := alice.GenerateAccessCode(ctx, fid, greenlight.ModeratorCode)
	require.NoError(t, err)
	viewer, err := alice.GenerateAccessCode(ctx, fid, greenlight.ViewerCode)
	require.NoError(t, err)
	_, err = guest.MeetingStatus(ctx, fid, "Visitor", "")
	require.ErrorIs(t, err, greenlight.ErrForbidden)
	st, err = guest.MeetingStatus(ctx, fid, "Visitor", viewer)
	require.NoError(t, err)
	gu, _ = url.Parse(st.JoinURL)
	assert.Equal(t, "Viewer", gu.Query().Get("role"))
	st, err = guest.MeetingStatus(ctx, fid, "Visitor", mod)
	require.NoError(t, err)
	gu, _ = url.Parse(st.JoinURL)
	assert.Equal(t, "Moderator", gu.Query().Get("role"))

	require.NoError(t, alice.SetRoomBool(ctx, fid, greenlight.SettingRequireAuthentication, true))
	_, err = guest.MeetingStatus(ctx, fid, "Visitor", viewer)
	require.ErrorIs(t, err, greenlight.ErrUnauthorized)

	// Anyone-can-start lets a signed-in stranger start the ended meeting.
	require.NoError(t, e.fake.EndMeeting(fid))
	require.NoError(t, alice.RemoveAccessCode(ctx, fid, greenlight.ViewerCode))
	require.NoError(t, alice.RemoveAccessCode(ctx, fid, greenlight.ModeratorCode))
	st, err = bob.MeetingStatus(ctx, fid, "", "")
	require.NoError(t, err)
	assert.False(t, st.Running)
	require.NoError(t, alice.SetRoomBool(ctx, fid, greenlight.SettingAnyoneCanStart, true))
	st, err = bob.MeetingStatus(ctx, fid, "", "")
	require.NoError(t, err)
	assert.True(t, st.Running)
	_, err = bob.MeetingRunning(ctx, fid)
	require.ErrorIs(t, err, greenlight.ErrForbidden)
}

func TestRecordings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	alice, aliceID := e.addUser(t, "Alice", "alice@example.com", greenlighttest.RoleUser)
	bob, _ := e.addUser(t, "Bob", "bob@example.com", greenlighttest.RoleUser)
	fid, err := alice.CreateRoom(ctx, "Lectures", aliceID)
	require.NoError(t, err)
	var ids []string
	for i := range 7 {
		id, err := e.fake.AddRecording(fid, "Lecture "+string(rune('A'+i)), "Published", 30+i)
		require.NoError(t, err)
		ids = append(ids, id)
	}

	recs, p, err := alice.ListRecordings(ctx, "", 1)
	require.NoError(t, err)
	assert.Len(t, recs, 5)
	assert.Equal(t, 2, p.Next)
	assert.Equal(t, 7, p.Count)
	require.NotEmpty(t, recs[0].Formats)
	assert.Equal(t, "presentation", recs[0].Formats[0].RecordingType)
	assert.False(t, recs[0].RecordedAt.IsZero())

	n := 0
	for _, err := range alice.AllRecordings(ctx, "") {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 7, n)

	roomRecs, p, err := alice.ListRoomRecordings(ctx, fid, "", 3)
	require.NoError(t, err)
	assert.Len(t, roomRecs, 1)
	assert.Equal(t, 0, p.Next)
	assert.Equal(t, 2, p.Prev)
	found, _, err := alice.ListRoomRecordings(ctx, fid, "lecture g", 1)
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, ids[6], found[0].RecordID)

	r, err := alice.RenameRecording(ctx, ids[0], "Intro")
	require.NoError(t, err)
	assert.Equal(t, "Intro", r.Name)
	_, err = bob.RenameRecording(ctx, ids[0], "Mine")
	require.ErrorIs(t, err, greenlight.ErrForbidden)
	_, err = alice.RenameRecording(ctx, "nope", "x")
	require.ErrorIs(t, err, greenlight.ErrNotFound)

	require.NoError(t, alice.SetRecordingVisibility(ctx, ids[0], greenlight.PublicProtected))
	recs, _, err = alice.ListRecordings(ctx, "Intro", 1)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, string(greenlight.PublicProtected), recs[0].Visibility)
	require.Error(t, alice.SetRecordingVisibility(ctx, ids[0], "Secret"))

	require.ErrorIs(t, bob.DeleteRecording(ctx, ids[1]), greenlight.ErrForbidden)
	require.NoError(t, alice.DeleteRecording(ctx, ids[1]))
	recs, p, err = alice.ListRecordings(ctx, "", 1)
	require.NoError(t, err)
	assert.Equal(t, 6, p.Count)
	for _, r := range recs {
		assert.NotEqual(t, ids[1], r.RecordID)
	}
	require.Error(t, alice.DeleteRecording(ctx, "a/b"))
}

func TestEverySettingRoundTrips(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	fid, err := e.admin.CreateRoom(ctx, "All settings", e.me.ID)
	require.NoError(t, err)
	tests := []struct{ name, value string }{
		{greenlight.SettingRecord, "true"},
		{greenlight.SettingMuteOnStart, "true"},
		{greenlight.SettingGuestPolicy, greenlight.GuestAlwaysDeny},
		{greenlight.SettingAnyoneCanStart, "true"},
		{greenlight.SettingAnyoneJoinAsModerator, "true"},
		{greenlight.SettingRequireAuthentication, "true"},
		{greenlight.SettingServerTag, "gpu"},
		{greenlight.SettingServerTagRequired, "true"},
		{greenlight.SettingRecord, "false"},
		{greenlight.SettingServerTag, ""},
	}
	for _, tt := range tests {
		require.NoError(t, e.admin.UpdateRoomSetting(ctx, fid, tt.name, tt.value), tt.name)
		s, err := e.admin.GetRoomSettings(ctx, fid)
		require.NoError(t, err)
		assert.Equal(t, tt.value, s[tt.name], tt.name)
	}
	// A forced-on configuration shows the forced value whatever the room says.
	require.NoError(t, e.fake.SetRoomsConfiguration(greenlight.SettingGuestPolicy, "true"))
	s, err := e.admin.GetRoomSettings(ctx, fid)
	require.NoError(t, err)
	assert.Equal(t, greenlight.GuestAskModerator, s[greenlight.SettingGuestPolicy])
	require.ErrorIs(t, e.admin.UpdateRoomSetting(ctx, fid, greenlight.SettingGuestPolicy, greenlight.GuestAlwaysAccept), greenlight.ErrForbidden)
	// Access codes may still be generated when forced on.
	require.NoError(t, e.fake.SetRoomsConfiguration(greenlight.SettingViewerAccessCode, "true"))
	code, err := e.admin.GenerateAccessCode(ctx, fid, greenlight.ViewerCode)
	require.NoError(t, err)
	assert.Len(t, code, 6)
	require.ErrorIs(t, e.admin.RemoveAccessCode(ctx, fid, greenlight.ViewerCode), greenlight.ErrForbidden)
}
