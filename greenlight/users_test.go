package greenlight_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bbbkit/bbbkit/greenlight"
	"github.com/bbbkit/bbbkit/greenlight/greenlighttest"
)

func roleID(t *testing.T, c *greenlight.Client, name string) string {
	t.Helper()
	roles, err := c.Roles(context.Background())
	if err != nil {
		t.Fatalf("Roles(): %v", err)
	}
	for _, r := range roles {
		if r.Name == name {
			return r.ID
		}
	}
	t.Fatalf("no role %q in %v", name, roles)
	return ""
}

func TestUsers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()

	u, err := e.admin.CreateUser(ctx, greenlight.NewUser{Name: "Alice", Email: "alice@example.com", Password: "Alice-Passw0rd"})
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", "alice@example.com", err)
	}
	if u.Role.Name != "User" {
		t.Errorf("CreateUser(%q).Role.Name = %q; want %q", "alice@example.com", u.Role.Name, "User")
	}
	if !u.Verified {
		t.Errorf("CreateUser(%q).Verified = false; want true", "alice@example.com")
	}

	// The admin stays signed in as the admin.
	me, err := e.admin.CurrentUser(ctx)
	if err != nil {
		t.Fatalf("CurrentUser(): %v", err)
	}
	if me.ID != e.me.ID {
		t.Errorf("CurrentUser().ID = %q; want %q (the admin)", me.ID, e.me.ID)
	}

	// The default room exists.
	rooms, _, err := e.admin.ListServerRooms(ctx, "Alice", 1)
	if err != nil {
		t.Fatalf("ListServerRooms(%q, 1): %v", "Alice", err)
	}
	if len(rooms) != 1 {
		t.Fatalf("len(ListServerRooms(%q, 1)) = %d; want 1", "Alice", len(rooms))
	}
	if rooms[0].Name != "Alice's Room" {
		t.Errorf("ListServerRooms(%q, 1)[0].Name = %q; want %q", "Alice", rooms[0].Name, "Alice's Room")
	}

	tests := []struct {
		name string
		user greenlight.NewUser
		code string
	}{
		{"duplicate email", greenlight.NewUser{Name: "Other", Email: "ALICE@example.com", Password: "Alice-Passw0rd"}, "EmailAlreadyExists"},
		{"weak password", greenlight.NewUser{Name: "Bob", Email: "bob@example.com", Password: "password"}, "RecordInvalid"},
		{"bad email", greenlight.NewUser{Name: "Bob", Email: "bob", Password: "Alice-Passw0rd"}, "RecordInvalid"},
	}
	for _, tt := range tests {
		_, err := e.admin.CreateUser(ctx, tt.user)
		if !errors.Is(err, greenlight.ErrInvalid) {
			t.Fatalf("%s: CreateUser(%q) = %v; want %v", tt.name, tt.user.Email, err, greenlight.ErrInvalid)
		}
		var ae *greenlight.APIError
		if !errors.As(err, &ae) {
			t.Fatalf("%s: CreateUser(%q) = %v (%T); want a *greenlight.APIError", tt.name, tt.user.Email, err, err)
		}
		if !ae.HasCode(tt.code) {
			t.Errorf("%s: HasCode(%q) = false; want true (codes %v)", tt.name, tt.code, ae.Codes)
		}
		if strings.Contains(err.Error(), tt.user.Password) {
			t.Errorf("%s: CreateUser error = %q; want no password in it", tt.name, err)
		}
	}

	// Admin creation with an explicit role.
	adminRole := roleID(t, e.admin, "Administrator")
	carol, err := e.admin.CreateUser(ctx, greenlight.NewUser{Name: "Carol", Email: "carol@example.com", Password: "Carol-Passw0rd", RoleID: adminRole})
	if err != nil {
		t.Fatalf("CreateUser(%q, Administrator): %v", "carol@example.com", err)
	}
	if carol.Role.Name != "Administrator" {
		t.Errorf("CreateUser(%q).Role.Name = %q; want %q", "carol@example.com", carol.Role.Name, "Administrator")
	}

	got, err := e.admin.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatalf("GetUser(%q): %v", u.ID, err)
	}
	if got.Email != "alice@example.com" {
		t.Errorf("GetUser(%q).Email = %q; want %q", u.ID, got.Email, "alice@example.com")
	}

	name := "Alice Liddell"
	if err := e.admin.UpdateUser(ctx, u.ID, greenlight.UserUpdate{Name: &name}); err != nil {
		t.Fatalf("UpdateUser(%q, Name %q): %v", u.ID, name, err)
	}
	got, err = e.admin.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatalf("GetUser(%q): %v", u.ID, err)
	}
	if got.Name != name {
		t.Errorf("GetUser(%q).Name = %q; want %q", u.ID, got.Name, name)
	}

	// A plain user: can read and update themselves, not others, nor their role.
	alice, _ := signedIn(t, e.fake, "alice@example.com", "Alice-Passw0rd")
	_, err = alice.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatalf("alice.GetUser(self): %v", err)
	}
	_, err = alice.GetUser(ctx, carol.ID)
	if !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("alice.GetUser(carol) = %v; want %v", err, greenlight.ErrForbidden)
	}
	err = alice.UpdateUser(ctx, u.ID, greenlight.UserUpdate{RoleID: &adminRole})
	if !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("alice.UpdateUser(self, RoleID) = %v; want %v", err, greenlight.ErrForbidden)
	}
	_, _, err = alice.ListUsers(ctx, greenlight.UsersVerified, "", 1)
	if !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("alice.ListUsers() = %v; want %v", err, greenlight.ErrForbidden)
	}
	_, err = alice.CreateUser(ctx, greenlight.NewUser{Name: "X", Email: "x@example.com", Password: "Xx-Passw0rd"})
	if !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("alice.CreateUser() = %v; want %v", err, greenlight.ErrForbidden)
	}
	_, err = alice.Roles(ctx)
	if !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("alice.Roles() = %v; want %v", err, greenlight.ErrForbidden)
	}

	// Admins can change roles; a user cannot change their own.
	userRole := roleID(t, e.admin, "User")
	if err := e.admin.UpdateUser(ctx, carol.ID, greenlight.UserUpdate{RoleID: &userRole}); err != nil {
		t.Fatalf("admin.UpdateUser(carol, RoleID User): %v", err)
	}
	err = e.admin.UpdateUser(ctx, e.me.ID, greenlight.UserUpdate{RoleID: &userRole})
	if !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("admin.UpdateUser(self, RoleID User) = %v; want %v", err, greenlight.ErrForbidden)
	}

	// Password change keeps the client able to sign in again.
	if err := alice.ChangePassword(ctx, "Alice-Passw0rd", "Alice-Passw0rd2"); err != nil {
		t.Fatalf("ChangePassword(): %v", err)
	}
	err = alice.ChangePassword(ctx, "wrong", "Alice-Passw0rd3")
	if !errors.Is(err, greenlight.ErrInvalid) {
		t.Fatalf("ChangePassword() with a wrong old password = %v; want %v", err, greenlight.ErrInvalid)
	}
	e.fake.ExpireSessions()
	_, err = alice.CurrentUser(ctx)
	if err != nil {
		t.Fatalf("alice.CurrentUser() after the password change and expiry: %v", err)
	}

	// Status and lists.
	if err := e.admin.SetUserStatus(ctx, carol.ID, greenlight.StatusBanned); err != nil {
		t.Fatalf("SetUserStatus(carol, StatusBanned): %v", err)
	}
	banned, _, err := e.admin.ListUsers(ctx, greenlight.UsersBanned, "", 1)
	if err != nil {
		t.Fatalf("ListUsers(UsersBanned): %v", err)
	}
	if len(banned) != 1 {
		t.Fatalf("len(ListUsers(UsersBanned)) = %d; want 1", len(banned))
	}
	if banned[0].ID != carol.ID {
		t.Errorf("ListUsers(UsersBanned)[0].ID = %q; want %q", banned[0].ID, carol.ID)
	}
	_, _, err = e.admin.ListUsers(ctx, "nope", "", 1)
	if err == nil {
		t.Fatalf("ListUsers(%q) = nil error; want an error", "nope")
	}

	if err := e.admin.DeleteUser(ctx, carol.ID); err != nil {
		t.Fatalf("DeleteUser(carol): %v", err)
	}
	_, err = e.admin.GetUser(ctx, carol.ID)
	if !errors.Is(err, greenlight.ErrNotFound) {
		t.Fatalf("GetUser(carol) after delete = %v; want %v", err, greenlight.ErrNotFound)
	}
	if err := e.admin.DeleteUser(ctx, carol.ID); !errors.Is(err, greenlight.ErrNotFound) {
		t.Fatalf("DeleteUser(carol) again = %v; want %v", err, greenlight.ErrNotFound)
	}
	if err := e.admin.DeleteUser(ctx, ""); err == nil {
		t.Fatalf("DeleteUser(%q) = nil error; want an error", "")
	}
}

func TestListUsersPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t, greenlighttest.WithPageSize(2))
	ctx := context.Background()
	for i := range 5 {
		_, err := e.fake.AddUser(fmt.Sprintf("User %d", i), fmt.Sprintf("u%d@example.com", i), "Passw0rd!x", greenlighttest.RoleUser)
		if err != nil {
			t.Fatalf("fake.AddUser(%q): %v", fmt.Sprintf("u%d@example.com", i), err)
		}
	}
	users, p, err := e.admin.ListUsers(ctx, greenlight.UsersVerified, "", 1)
	if err != nil {
		t.Fatalf("ListUsers(UsersVerified, %q, 1): %v", "", err)
	}
	if len(users) != 2 {
		t.Errorf("len(ListUsers(UsersVerified, %q, 1)) = %d; want 2", "", len(users))
	}
	if diff := cmp.Diff(greenlight.Page{Page: 1, Pages: 3, Count: 6, Items: 2, Next: 2}, p); diff != "" {
		t.Errorf("ListUsers(UsersVerified, %q, 1) page mismatch (-want +got):\n%s", "", diff)
	}

	seen := map[string]bool{}
	for u, err := range e.admin.AllUsers(ctx, greenlight.UsersVerified, "") {
		if err != nil {
			t.Fatalf("AllUsers(UsersVerified, %q): %v", "", err)
		}
		seen[u.Email] = true
	}
	if len(seen) != 6 {
		t.Errorf("AllUsers(UsersVerified, %q) yielded %d distinct emails; want 6", "", len(seen))
	}

	n := 0
	for u, err := range e.admin.AllUsers(ctx, greenlight.UsersVerified, "example.com") {
		if err != nil {
			t.Fatalf("AllUsers(UsersVerified, %q): %v", "example.com", err)
		}
		n++
		if u.Email != "" && n == 3 {
			break // stopping early must not fetch further pages or panic
		}
	}
	if n != 3 {
		t.Errorf("AllUsers(UsersVerified, %q) stopped after %d users; want 3", "example.com", n)
	}

	var errs int
	alice, _ := e.addUser(t, "Alice", "alice@example.com", greenlighttest.RoleUser)
	for _, err := range alice.AllUsers(ctx, greenlight.UsersVerified, "") {
		if !errors.Is(err, greenlight.ErrForbidden) {
			t.Fatalf("alice.AllUsers() = %v; want %v", err, greenlight.ErrForbidden)
		}
		errs++
	}
	if errs != 1 {
		t.Errorf("alice.AllUsers() yielded %d errors; want 1", errs)
	}
}
