package greenlight_test

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bbbkit/bbbkit/greenlight"
	"github.com/bbbkit/bbbkit/greenlight/greenlighttest"
)

var (
	friendlyIDPattern = regexp.MustCompile(`^[a-z0-9]{3}-[a-z0-9]{3}-[a-z0-9]{3}-[a-z0-9]{3}$`)
	accessCodePattern = regexp.MustCompile(`^[a-z0-9]{6}$`)
)

func TestRooms(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	alice, aliceID := e.addUser(t, "Alice", "alice@example.com", greenlighttest.RoleUser)
	_, bobID := e.addUser(t, "Bob", "bob@example.com", greenlighttest.RoleUser)

	fid, err := alice.CreateRoom(ctx, "Biology 101", aliceID)
	if err != nil {
		t.Fatalf("CreateRoom(%q): %v", "Biology 101", err)
	}
	if !greenlight.ValidFriendlyID(fid) {
		t.Errorf("ValidFriendlyID(%q) = false; want true", fid)
	}
	if !friendlyIDPattern.MatchString(fid) {
		t.Errorf("CreateRoom(...) = %q; want a match for %s", fid, friendlyIDPattern)
	}

	// Duplicate names are allowed by Greenlight: two rooms, two ids.
	fid2, err := alice.CreateRoom(ctx, "Biology 101", aliceID)
	if err != nil {
		t.Fatalf("CreateRoom(%q) again: %v", "Biology 101", err)
	}
	if fid2 == fid {
		t.Errorf("CreateRoom(%q) again = %q; want an id other than %q", "Biology 101", fid2, fid)
	}

	// A plain user cannot create a room for someone else; an admin can.
	_, err = alice.CreateRoom(ctx, "For Bob", bobID)
	if !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("alice.CreateRoom(%q, bobID) = %v; want %v", "For Bob", err, greenlight.ErrForbidden)
	}
	bobRoom, err := e.admin.CreateRoom(ctx, "Chemistry", bobID)
	if err != nil {
		t.Fatalf("admin.CreateRoom(%q, bobID): %v", "Chemistry", err)
	}

	_, err = alice.CreateRoom(ctx, "  ", aliceID)
	if err == nil {
		t.Fatalf("CreateRoom(%q) = nil error; want an error", "  ")
	}
	_, err = e.admin.CreateRoom(ctx, "Nobody's", "00000000-0000-4000-8000-000000000000")
	if !errors.Is(err, greenlight.ErrInvalid) {
		t.Fatalf("CreateRoom for an unknown user = %v; want %v", err, greenlight.ErrInvalid)
	}

	rooms, err := alice.Rooms(ctx, "")
	if err != nil {
		t.Fatalf("Rooms(%q): %v", "", err)
	}
	if len(rooms) != 2 {
		t.Errorf("len(Rooms(%q)) = %d; want 2", "", len(rooms))
	}
	rooms, err = alice.Rooms(ctx, "bio")
	if err != nil {
		t.Fatalf("Rooms(%q): %v", "bio", err)
	}
	if len(rooms) != 2 {
		t.Errorf("len(Rooms(%q)) = %d; want 2", "bio", len(rooms))
	}
	rooms, err = alice.Rooms(ctx, "chem")
	if err != nil {
		t.Fatalf("Rooms(%q): %v", "chem", err)
	}
	if len(rooms) != 0 {
		t.Errorf("Rooms(%q) = %v; want none", "chem", rooms)
	}

	r, err := alice.GetRoom(ctx, fid)
	if err != nil {
		t.Fatalf("GetRoom(%q): %v", fid, err)
	}
	if r.Name != "Biology 101" {
		t.Errorf("GetRoom(%q).Name = %q; want %q", fid, r.Name, "Biology 101")
	}
	if r.OwnerName != "Alice" {
		t.Errorf("GetRoom(%q).OwnerName = %q; want %q", fid, r.OwnerName, "Alice")
	}
	if r.FriendlyID != fid {
		t.Errorf("GetRoom(%q).FriendlyID = %q; want %q", fid, r.FriendlyID, fid)
	}
	if r.Shared {
		t.Errorf("GetRoom(%q).Shared = true; want false", fid)
	}

	_, err = alice.GetRoom(ctx, bobRoom)
	if !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("alice.GetRoom(bobRoom) = %v; want %v", err, greenlight.ErrForbidden)
	}
	_, err = alice.GetRoom(ctx, "zzz-zzz-zzz-zzz")
	if !errors.Is(err, greenlight.ErrNotFound) {
		t.Fatalf("GetRoom(%q) = %v; want %v", "zzz-zzz-zzz-zzz", err, greenlight.ErrNotFound)
	}
	_, err = alice.GetRoom(ctx, "../users")
	if err == nil {
		t.Fatalf("GetRoom(%q) = nil error; want an error", "../users")
	}
	if errors.Is(err, greenlight.ErrNotFound) { // refused before any request
		t.Fatalf("GetRoom(%q) = %v; want an error other than %v", "../users", err, greenlight.ErrNotFound)
	}

	if err := alice.RenameRoom(ctx, fid2, "Biology 102"); err != nil {
		t.Fatalf("RenameRoom(%q, %q): %v", fid2, "Biology 102", err)
	}
	r, err = alice.GetRoom(ctx, fid2)
	if err != nil {
		t.Fatalf("GetRoom(%q): %v", fid2, err)
	}
	if r.Name != "Biology 102" {
		t.Errorf("GetRoom(%q).Name = %q; want %q", fid2, r.Name, "Biology 102")
	}
	if err := alice.RenameRoom(ctx, bobRoom, "Mine"); !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("alice.RenameRoom(bobRoom) = %v; want %v", err, greenlight.ErrForbidden)
	}

	if err := alice.DeleteRoom(ctx, bobRoom); !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("alice.DeleteRoom(bobRoom) = %v; want %v", err, greenlight.ErrForbidden)
	}
	if err := alice.DeleteRoom(ctx, fid2); err != nil {
		t.Fatalf("DeleteRoom(%q): %v", fid2, err)
	}
	_, err = alice.GetRoom(ctx, fid2)
	if !errors.Is(err, greenlight.ErrNotFound) {
		t.Fatalf("GetRoom(%q) after delete = %v; want %v", fid2, err, greenlight.ErrNotFound)
	}

	all := map[string]string{}
	for rm, err := range e.admin.AllServerRooms(ctx, "") {
		if err != nil {
			t.Fatalf("AllServerRooms(%q): %v", "", err)
		}
		all[rm.FriendlyID] = rm.Owner
	}
	if diff := cmp.Diff(map[string]string{fid: "Alice", bobRoom: "Bob"}, all); diff != "" {
		t.Errorf("AllServerRooms(%q) mismatch (-want +got):\n%s", "", diff)
	}
	_, _, err = alice.ListServerRooms(ctx, "", 1)
	if !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("alice.ListServerRooms = %v; want %v", err, greenlight.ErrForbidden)
	}

	// A guest role cannot create or list rooms.
	guest, guestID := e.addUser(t, "Guest", "guest@example.com", greenlighttest.RoleGuest)
	_, err = guest.CreateRoom(ctx, "Nope", guestID)
	if !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("guest.CreateRoom = %v; want %v", err, greenlight.ErrForbidden)
	}
	_, err = guest.Rooms(ctx, "")
	if !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("guest.Rooms = %v; want %v", err, greenlight.ErrForbidden)
	}
}

func TestRoomSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	alice, aliceID := e.addUser(t, "Alice", "alice@example.com", greenlighttest.RoleUser)
	fid, err := alice.CreateRoom(ctx, "Lab", aliceID)
	if err != nil {
		t.Fatalf("CreateRoom(%q): %v", "Lab", err)
	}

	s, err := alice.GetRoomSettings(ctx, fid)
	if err != nil {
		t.Fatalf("GetRoomSettings(%q): %v", fid, err)
	}
	rec, ok := s.Bool(greenlight.SettingRecord)
	if !ok {
		t.Errorf("Bool(%q) ok = false; want true", greenlight.SettingRecord)
	}
	if rec {
		t.Errorf("Bool(%q) = true; want false", greenlight.SettingRecord)
	}
	if got := s[greenlight.SettingGuestPolicy]; got != greenlight.GuestAlwaysAccept {
		t.Errorf("settings[%q] = %q; want %q", greenlight.SettingGuestPolicy, got, greenlight.GuestAlwaysAccept)
	}
	if got := s.Code(greenlight.ViewerCode); got != "" {
		t.Errorf("Code(ViewerCode) = %q; want empty", got)
	}

	if err := alice.SetRoomBool(ctx, fid, greenlight.SettingRecord, true); err != nil {
		t.Fatalf("SetRoomBool(%q, true): %v", greenlight.SettingRecord, err)
	}
	if err := alice.SetRoomBool(ctx, fid, greenlight.SettingMuteOnStart, true); err != nil {
		t.Fatalf("SetRoomBool(%q, true): %v", greenlight.SettingMuteOnStart, err)
	}
	if err := alice.UpdateRoomSetting(ctx, fid, greenlight.SettingGuestPolicy, greenlight.GuestAskModerator); err != nil {
		t.Fatalf("UpdateRoomSetting(%q, %q): %v", greenlight.SettingGuestPolicy, greenlight.GuestAskModerator, err)
	}
	code, err := alice.GenerateAccessCode(ctx, fid, greenlight.ViewerCode)
	if err != nil {
		t.Fatalf("GenerateAccessCode(ViewerCode): %v", err)
	}
	if !accessCodePattern.MatchString(code) {
		t.Errorf("GenerateAccessCode(ViewerCode) = %q; want a match for %s", code, accessCodePattern)
	}

	s, err = alice.GetRoomSettings(ctx, fid)
	if err != nil {
		t.Fatalf("GetRoomSettings(%q): %v", fid, err)
	}
	rec, _ = s.Bool(greenlight.SettingRecord)
	mute, _ := s.Bool(greenlight.SettingMuteOnStart)
	if !rec {
		t.Errorf("Bool(%q) = false; want true", greenlight.SettingRecord)
	}
	if !mute {
		t.Errorf("Bool(%q) = false; want true", greenlight.SettingMuteOnStart)
	}
	if got := s[greenlight.SettingGuestPolicy]; got != greenlight.GuestAskModerator {
		t.Errorf("settings[%q] = %q; want %q", greenlight.SettingGuestPolicy, got, greenlight.GuestAskModerator)
	}
	if got := s.Code(greenlight.ViewerCode); got != code {
		t.Errorf("Code(ViewerCode) = %q; want %q", got, code)
	}

	if err := alice.RemoveAccessCode(ctx, fid, greenlight.ViewerCode); err != nil {
		t.Fatalf("RemoveAccessCode(ViewerCode): %v", err)
	}
	s, err = alice.GetRoomSettings(ctx, fid)
	if err != nil {
		t.Fatalf("GetRoomSettings(%q): %v", fid, err)
	}
	if got := s.Code(greenlight.ViewerCode); got != "" {
		t.Errorf("Code(ViewerCode) after removal = %q; want empty", got)
	}

	// Unknown setting, bad value, admin-locked setting.
	if err := alice.UpdateRoomSetting(ctx, fid, "noSuchSetting", "true"); !errors.Is(err, greenlight.ErrInvalid) {
		t.Fatalf("UpdateRoomSetting(%q, %q) = %v; want %v", "noSuchSetting", "true", err, greenlight.ErrInvalid)
	}
	if err := alice.UpdateRoomSetting(ctx, fid, greenlight.SettingGuestPolicy, "MAYBE"); !errors.Is(err, greenlight.ErrInvalid) {
		t.Fatalf("UpdateRoomSetting(%q, %q) = %v; want %v", greenlight.SettingGuestPolicy, "MAYBE", err, greenlight.ErrInvalid)
	}
	if err := e.fake.SetRoomsConfiguration(greenlight.SettingMuteOnStart, "false"); err != nil {
		t.Fatalf("SetRoomsConfiguration(%q, %q): %v", greenlight.SettingMuteOnStart, "false", err)
	}
	if err := alice.SetRoomBool(ctx, fid, greenlight.SettingMuteOnStart, false); !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("SetRoomBool(%q, false) = %v; want %v", greenlight.SettingMuteOnStart, err, greenlight.ErrForbidden)
	}
	s, err = alice.GetRoomSettings(ctx, fid)
	if err != nil {
		t.Fatalf("GetRoomSettings(%q): %v", fid, err)
	}
	if _, ok = s.Bool(greenlight.SettingMuteOnStart); ok {
		t.Errorf("Bool(%q) ok = true; want false: disabled settings are not listed", greenlight.SettingMuteOnStart)
	}

	// Others cannot read or change the settings.
	bob, _ := e.addUser(t, "Bob", "bob@example.com", greenlighttest.RoleUser)
	_, err = bob.GetRoomSettings(ctx, fid)
	if !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("bob.GetRoomSettings(%q) = %v; want %v", fid, err, greenlight.ErrForbidden)
	}
	if err := bob.SetRoomBool(ctx, fid, greenlight.SettingRecord, false); !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("bob.SetRoomBool(%q, false) = %v; want %v", greenlight.SettingRecord, err, greenlight.ErrForbidden)
	}
	_, err = alice.GenerateAccessCode(ctx, fid, "bogus")
	if err == nil {
		t.Fatalf("GenerateAccessCode(%q) = nil error; want an error", "bogus")
	}
}

func TestSharedAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	alice, aliceID := e.addUser(t, "Alice", "alice@example.com", greenlighttest.RoleUser)
	bob, bobID := e.addUser(t, "Bob Builder", "bob@example.com", greenlighttest.RoleUser)
	_, guestID := e.addUser(t, "Bobby Guest", "bobby@example.com", greenlighttest.RoleGuest)
	fid, err := alice.CreateRoom(ctx, "Shared", aliceID)
	if err != nil {
		t.Fatalf("CreateRoom(%q): %v", "Shared", err)
	}

	_, err = bob.GetRoom(ctx, fid)
	if !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("bob.GetRoom(%q) = %v; want %v", fid, err, greenlight.ErrForbidden)
	}

	short, err := alice.ShareableUsers(ctx, fid, "bo")
	if err != nil {
		t.Fatalf("ShareableUsers(%q): %v", "bo", err)
	}
	if len(short) != 0 {
		t.Errorf("ShareableUsers(%q) = %v; want none: searches under 3 characters return nothing", "bo", short)
	}
	cand, err := alice.ShareableUsers(ctx, fid, "bob")
	if err != nil {
		t.Fatalf("ShareableUsers(%q): %v", "bob", err)
	}
	if len(cand) != 1 {
		t.Fatalf("len(ShareableUsers(%q)) = %d; want 1: guests lack SharedList", "bob", len(cand))
	}
	if cand[0].ID != bobID {
		t.Errorf("ShareableUsers(%q)[0].ID = %q; want %q", "bob", cand[0].ID, bobID)
	}

	if err := alice.ShareRoom(ctx, fid, bobID, guestID); err != nil {
		t.Fatalf("ShareRoom(bob, guest): %v", err)
	}
	if err := alice.ShareRoom(ctx, fid, bobID); err != nil { // again: no duplicate
		t.Fatalf("ShareRoom(bob) again: %v", err)
	}
	users, err := alice.SharedUsers(ctx, fid)
	if err != nil {
		t.Fatalf("SharedUsers(%q): %v", fid, err)
	}
	if len(users) != 2 {
		t.Errorf("len(SharedUsers(%q)) = %d; want 2", fid, len(users))
	}
	cand, err = alice.ShareableUsers(ctx, fid, "bob")
	if err != nil {
		t.Fatalf("ShareableUsers(%q): %v", "bob", err)
	}
	if len(cand) != 0 {
		t.Errorf("ShareableUsers(%q) after sharing = %v; want none", "bob", cand)
	}

	r, err := bob.GetRoom(ctx, fid)
	if err != nil {
		t.Fatalf("bob.GetRoom(%q): %v", fid, err)
	}
	if !r.Shared {
		t.Errorf("bob.GetRoom(%q).Shared = false; want true", fid)
	}
	rooms, err := bob.Rooms(ctx, "Shared")
	if err != nil {
		t.Fatalf("bob.Rooms(%q): %v", "Shared", err)
	}
	if len(rooms) != 1 {
		t.Fatalf("len(bob.Rooms(%q)) = %d; want 1", "Shared", len(rooms))
	}
	if rooms[0].SharedOwner != "Alice" {
		t.Errorf("bob.Rooms(%q)[0].SharedOwner = %q; want %q", "Shared", rooms[0].SharedOwner, "Alice")
	}
	// A shared user may see the list but not share further or delete.
	_, err = bob.SharedUsers(ctx, fid)
	if err != nil {
		t.Fatalf("bob.SharedUsers(%q): %v", fid, err)
	}
	if err := bob.ShareRoom(ctx, fid, guestID); !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("bob.ShareRoom(%q, guest) = %v; want %v", fid, err, greenlight.ErrForbidden)
	}
	if err := bob.DeleteRoom(ctx, fid); !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("bob.DeleteRoom(%q) = %v; want %v", fid, err, greenlight.ErrForbidden)
	}

	if err := alice.UnshareRoom(ctx, fid, bobID); err != nil {
		t.Fatalf("UnshareRoom(%q, bob): %v", fid, err)
	}
	_, err = bob.GetRoom(ctx, fid)
	if !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("bob.GetRoom(%q) after unshare = %v; want %v", fid, err, greenlight.ErrForbidden)
	}
	if err := alice.ShareRoom(ctx, fid); err == nil {
		t.Fatalf("ShareRoom(%q) with no users = nil error; want an error", fid)
	}
}

func TestMeetings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	alice, aliceID := e.addUser(t, "Alice", "alice@example.com", greenlighttest.RoleUser)
	bob, _ := e.addUser(t, "Bob", "bob@example.com", greenlighttest.RoleUser)
	fid, err := alice.CreateRoom(ctx, "Live", aliceID)
	if err != nil {
		t.Fatalf("CreateRoom(%q): %v", "Live", err)
	}

	running, err := alice.MeetingRunning(ctx, fid)
	if err != nil {
		t.Fatalf("MeetingRunning(%q): %v", fid, err)
	}
	if running {
		t.Errorf("MeetingRunning(%q) = true; want false", fid)
	}

	// A guest (no account) must fetch a CSRF token before asking to join.
	guest := newClient(t, e.fake)
	if err := guest.FetchCSRFToken(ctx); err != nil {
		t.Fatalf("FetchCSRFToken(): %v", err)
	}
	st, err := guest.MeetingStatus(ctx, fid, "Visitor", "")
	if err != nil {
		t.Fatalf("guest.MeetingStatus(%q, %q, %q): %v", fid, "Visitor", "", err)
	}
	if st.Running {
		t.Errorf("guest.MeetingStatus(%q).Running = true; want false", fid)
	}
	if st.JoinURL != "" {
		t.Errorf("guest.MeetingStatus(%q).JoinURL = %q; want empty", fid, st.JoinURL)
	}

	_, err = bob.StartMeeting(ctx, fid)
	if !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("bob.StartMeeting(%q) = %v; want %v", fid, err, greenlight.ErrForbidden)
	}
	join, err := alice.StartMeeting(ctx, fid)
	if err != nil {
		t.Fatalf("StartMeeting(%q): %v", fid, err)
	}
	u, err := url.Parse(join)
	if err != nil {
		t.Fatalf("url.Parse(%q): %v", join, err)
	}
	if got := u.Query().Get("role"); got != "Moderator" {
		t.Errorf("join URL role = %q; want %q", got, "Moderator")
	}
	if got := u.Query().Get("fullName"); got != "Alice" {
		t.Errorf("join URL fullName = %q; want %q", got, "Alice")
	}
	if got, want := u.Query().Get("userID"), "gl-"+aliceID; got != want {
		t.Errorf("join URL userID = %q; want %q", got, want)
	}

	running, err = alice.MeetingRunning(ctx, fid)
	if err != nil {
		t.Fatalf("MeetingRunning(%q): %v", fid, err)
	}
	if !running {
		t.Errorf("MeetingRunning(%q) after start = false; want true", fid)
	}

	st, err = guest.MeetingStatus(ctx, fid, "Visitor", "")
	if err != nil {
		t.Fatalf("guest.MeetingStatus(%q, %q, %q): %v", fid, "Visitor", "", err)
	}
	if !st.Running {
		t.Errorf("guest.MeetingStatus(%q).Running = false; want true", fid)
	}
	gu, err := url.Parse(st.JoinURL)
	if err != nil {
		t.Fatalf("url.Parse(%q): %v", st.JoinURL, err)
	}
	if got := gu.Query().Get("role"); got != "Viewer" {
		t.Errorf("guest join URL role = %q; want %q", got, "Viewer")
	}
	if got := gu.Query().Get("fullName"); got != "Visitor" {
		t.Errorf("guest join URL fullName = %q; want %q", got, "Visitor")
	}

	// Access codes decide the role; require-authentication refuses guests.
	mod, err := alice.GenerateAccessCode(ctx, fid, greenlight.ModeratorCode)
	if err != nil {
		t.Fatalf("GenerateAccessCode(ModeratorCode): %v", err)
	}
	viewer, err := alice.GenerateAccessCode(ctx, fid, greenlight.ViewerCode)
	if err != nil {
		t.Fatalf("GenerateAccessCode(ViewerCode): %v", err)
	}
	_, err = guest.MeetingStatus(ctx, fid, "Visitor", "")
	if !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("guest.MeetingStatus without a code = %v; want %v", err, greenlight.ErrForbidden)
	}
	st, err = guest.MeetingStatus(ctx, fid, "Visitor", viewer)
	if err != nil {
		t.Fatalf("guest.MeetingStatus with the viewer code: %v", err)
	}
	gu, _ = url.Parse(st.JoinURL)
	if got := gu.Query().Get("role"); got != "Viewer" {
		t.Errorf("join URL role with the viewer code = %q; want %q", got, "Viewer")
	}
	st, err = guest.MeetingStatus(ctx, fid, "Visitor", mod)
	if err != nil {
		t.Fatalf("guest.MeetingStatus with the moderator code: %v", err)
	}
	gu, _ = url.Parse(st.JoinURL)
	if got := gu.Query().Get("role"); got != "Moderator" {
		t.Errorf("join URL role with the moderator code = %q; want %q", got, "Moderator")
	}

	if err := alice.SetRoomBool(ctx, fid, greenlight.SettingRequireAuthentication, true); err != nil {
		t.Fatalf("SetRoomBool(%q, true): %v", greenlight.SettingRequireAuthentication, err)
	}
	_, err = guest.MeetingStatus(ctx, fid, "Visitor", viewer)
	if !errors.Is(err, greenlight.ErrUnauthorized) {
		t.Fatalf("guest.MeetingStatus with authentication required = %v; want %v", err, greenlight.ErrUnauthorized)
	}

	// Anyone-can-start lets a signed-in stranger start the ended meeting.
	if err := e.fake.EndMeeting(fid); err != nil {
		t.Fatalf("fake.EndMeeting(%q): %v", fid, err)
	}
	if err := alice.RemoveAccessCode(ctx, fid, greenlight.ViewerCode); err != nil {
		t.Fatalf("RemoveAccessCode(ViewerCode): %v", err)
	}
	if err := alice.RemoveAccessCode(ctx, fid, greenlight.ModeratorCode); err != nil {
		t.Fatalf("RemoveAccessCode(ModeratorCode): %v", err)
	}
	st, err = bob.MeetingStatus(ctx, fid, "", "")
	if err != nil {
		t.Fatalf("bob.MeetingStatus(%q): %v", fid, err)
	}
	if st.Running {
		t.Errorf("bob.MeetingStatus(%q).Running = true; want false", fid)
	}
	if err := alice.SetRoomBool(ctx, fid, greenlight.SettingAnyoneCanStart, true); err != nil {
		t.Fatalf("SetRoomBool(%q, true): %v", greenlight.SettingAnyoneCanStart, err)
	}
	st, err = bob.MeetingStatus(ctx, fid, "", "")
	if err != nil {
		t.Fatalf("bob.MeetingStatus(%q) with anyone-can-start: %v", fid, err)
	}
	if !st.Running {
		t.Errorf("bob.MeetingStatus(%q).Running with anyone-can-start = false; want true", fid)
	}
	_, err = bob.MeetingRunning(ctx, fid)
	if !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("bob.MeetingRunning(%q) = %v; want %v", fid, err, greenlight.ErrForbidden)
	}
}

func TestRecordings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	alice, aliceID := e.addUser(t, "Alice", "alice@example.com", greenlighttest.RoleUser)
	bob, _ := e.addUser(t, "Bob", "bob@example.com", greenlighttest.RoleUser)
	fid, err := alice.CreateRoom(ctx, "Lectures", aliceID)
	if err != nil {
		t.Fatalf("CreateRoom(%q): %v", "Lectures", err)
	}
	var ids []string
	for i := range 7 {
		name := "Lecture " + string(rune('A'+i))
		id, err := e.fake.AddRecording(fid, name, "Published", 30+i)
		if err != nil {
			t.Fatalf("fake.AddRecording(%q, %q): %v", fid, name, err)
		}
		ids = append(ids, id)
	}

	recs, p, err := alice.ListRecordings(ctx, "", 1)
	if err != nil {
		t.Fatalf("ListRecordings(%q, 1): %v", "", err)
	}
	if len(recs) != 5 {
		t.Errorf("len(ListRecordings(%q, 1)) = %d; want 5", "", len(recs))
	}
	if p.Next != 2 {
		t.Errorf("ListRecordings(%q, 1) page Next = %d; want 2", "", p.Next)
	}
	if p.Count != 7 {
		t.Errorf("ListRecordings(%q, 1) page Count = %d; want 7", "", p.Count)
	}
	if len(recs[0].Formats) == 0 {
		t.Fatalf("ListRecordings(%q, 1)[0].Formats is empty; want formats", "")
	}
	if got := recs[0].Formats[0].RecordingType; got != "presentation" {
		t.Errorf("Formats[0].RecordingType = %q; want %q", got, "presentation")
	}
	if recs[0].RecordedAt.IsZero() {
		t.Errorf("ListRecordings(%q, 1)[0].RecordedAt is zero; want a time", "")
	}

	n := 0
	for _, err := range alice.AllRecordings(ctx, "") {
		if err != nil {
			t.Fatalf("AllRecordings(%q): %v", "", err)
		}
		n++
	}
	if n != 7 {
		t.Errorf("AllRecordings(%q) yielded %d recordings; want 7", "", n)
	}

	roomRecs, p, err := alice.ListRoomRecordings(ctx, fid, "", 3)
	if err != nil {
		t.Fatalf("ListRoomRecordings(%q, %q, 3): %v", fid, "", err)
	}
	if len(roomRecs) != 1 {
		t.Errorf("len(ListRoomRecordings(%q, %q, 3)) = %d; want 1", fid, "", len(roomRecs))
	}
	if p.Next != 0 {
		t.Errorf("ListRoomRecordings page 3 Next = %d; want 0", p.Next)
	}
	if p.Prev != 2 {
		t.Errorf("ListRoomRecordings page 3 Prev = %d; want 2", p.Prev)
	}
	found, _, err := alice.ListRoomRecordings(ctx, fid, "lecture g", 1)
	if err != nil {
		t.Fatalf("ListRoomRecordings(%q, %q, 1): %v", fid, "lecture g", err)
	}
	if len(found) != 1 {
		t.Fatalf("len(ListRoomRecordings(%q, %q, 1)) = %d; want 1", fid, "lecture g", len(found))
	}
	if found[0].RecordID != ids[6] {
		t.Errorf("ListRoomRecordings(%q, %q, 1)[0].RecordID = %q; want %q", fid, "lecture g", found[0].RecordID, ids[6])
	}

	r, err := alice.RenameRecording(ctx, ids[0], "Intro")
	if err != nil {
		t.Fatalf("RenameRecording(%q, %q): %v", ids[0], "Intro", err)
	}
	if r.Name != "Intro" {
		t.Errorf("RenameRecording(%q, %q).Name = %q; want %q", ids[0], "Intro", r.Name, "Intro")
	}
	_, err = bob.RenameRecording(ctx, ids[0], "Mine")
	if !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("bob.RenameRecording(%q) = %v; want %v", ids[0], err, greenlight.ErrForbidden)
	}
	_, err = alice.RenameRecording(ctx, "nope", "x")
	if !errors.Is(err, greenlight.ErrNotFound) {
		t.Fatalf("RenameRecording(%q) = %v; want %v", "nope", err, greenlight.ErrNotFound)
	}

	if err := alice.SetRecordingVisibility(ctx, ids[0], greenlight.PublicProtected); err != nil {
		t.Fatalf("SetRecordingVisibility(%q, %q): %v", ids[0], greenlight.PublicProtected, err)
	}
	recs, _, err = alice.ListRecordings(ctx, "Intro", 1)
	if err != nil {
		t.Fatalf("ListRecordings(%q, 1): %v", "Intro", err)
	}
	if len(recs) != 1 {
		t.Fatalf("len(ListRecordings(%q, 1)) = %d; want 1", "Intro", len(recs))
	}
	if got, want := recs[0].Visibility, string(greenlight.PublicProtected); got != want {
		t.Errorf("ListRecordings(%q, 1)[0].Visibility = %q; want %q", "Intro", got, want)
	}
	if err := alice.SetRecordingVisibility(ctx, ids[0], "Secret"); err == nil {
		t.Fatalf("SetRecordingVisibility(%q, %q) = nil error; want an error", ids[0], "Secret")
	}

	if err := bob.DeleteRecording(ctx, ids[1]); !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("bob.DeleteRecording(%q) = %v; want %v", ids[1], err, greenlight.ErrForbidden)
	}
	if err := alice.DeleteRecording(ctx, ids[1]); err != nil {
		t.Fatalf("DeleteRecording(%q): %v", ids[1], err)
	}
	recs, p, err = alice.ListRecordings(ctx, "", 1)
	if err != nil {
		t.Fatalf("ListRecordings(%q, 1): %v", "", err)
	}
	if p.Count != 6 {
		t.Errorf("ListRecordings(%q, 1) page Count after delete = %d; want 6", "", p.Count)
	}
	for _, r := range recs {
		if r.RecordID == ids[1] {
			t.Errorf("ListRecordings(%q, 1) still lists deleted recording %q", "", ids[1])
		}
	}
	if err := alice.DeleteRecording(ctx, "a/b"); err == nil {
		t.Fatalf("DeleteRecording(%q) = nil error; want an error", "a/b")
	}
}

func TestEverySettingRoundTrips(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	fid, err := e.admin.CreateRoom(ctx, "All settings", e.me.ID)
	if err != nil {
		t.Fatalf("CreateRoom(%q): %v", "All settings", err)
	}
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
		if err := e.admin.UpdateRoomSetting(ctx, fid, tt.name, tt.value); err != nil {
			t.Fatalf("UpdateRoomSetting(%q, %q): %v", tt.name, tt.value, err)
		}
		s, err := e.admin.GetRoomSettings(ctx, fid)
		if err != nil {
			t.Fatalf("GetRoomSettings(%q): %v", fid, err)
		}
		if got := s[tt.name]; got != tt.value {
			t.Errorf("settings[%q] = %q; want %q", tt.name, got, tt.value)
		}
	}
	// A forced-on configuration shows the forced value whatever the room says.
	if err := e.fake.SetRoomsConfiguration(greenlight.SettingGuestPolicy, "true"); err != nil {
		t.Fatalf("SetRoomsConfiguration(%q, %q): %v", greenlight.SettingGuestPolicy, "true", err)
	}
	s, err := e.admin.GetRoomSettings(ctx, fid)
	if err != nil {
		t.Fatalf("GetRoomSettings(%q): %v", fid, err)
	}
	if got := s[greenlight.SettingGuestPolicy]; got != greenlight.GuestAskModerator {
		t.Errorf("settings[%q] when forced on = %q; want %q", greenlight.SettingGuestPolicy, got, greenlight.GuestAskModerator)
	}
	if err := e.admin.UpdateRoomSetting(ctx, fid, greenlight.SettingGuestPolicy, greenlight.GuestAlwaysAccept); !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("UpdateRoomSetting(%q, %q) when forced on = %v; want %v", greenlight.SettingGuestPolicy, greenlight.GuestAlwaysAccept, err, greenlight.ErrForbidden)
	}
	// Access codes may still be generated when forced on.
	if err := e.fake.SetRoomsConfiguration(greenlight.SettingViewerAccessCode, "true"); err != nil {
		t.Fatalf("SetRoomsConfiguration(%q, %q): %v", greenlight.SettingViewerAccessCode, "true", err)
	}
	code, err := e.admin.GenerateAccessCode(ctx, fid, greenlight.ViewerCode)
	if err != nil {
		t.Fatalf("GenerateAccessCode(ViewerCode): %v", err)
	}
	if len(code) != 6 {
		t.Errorf("len(GenerateAccessCode(ViewerCode)) = %d (%q); want 6", len(code), code)
	}
	if err := e.admin.RemoveAccessCode(ctx, fid, greenlight.ViewerCode); !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("RemoveAccessCode(ViewerCode) when forced on = %v; want %v", err, greenlight.ErrForbidden)
	}
}
