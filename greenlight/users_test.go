package greenlight_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/greenlight"
	"github.com/bbbkit/bbbkit/greenlight/greenlighttest"
)

func roleID(t *testing.T, c *greenlight.Client, name string) string {
	t.Helper()
	roles, err := c.Roles(context.Background())
	require.NoError(t, err)
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
	require.NoError(t, err)
	assert.Equal(t, "User", u.Role.Name)
	assert.True(t, u.Verified)

	// The admin stays signed in as the admin.
	me, err := e.admin.CurrentUser(ctx)
	require.NoError(t, err)
	assert.Equal(t, e.me.ID, me.ID)

	// The default room exists.
	rooms, _, err := e.admin.ListServerRooms(ctx, "Alice", 1)
	require.NoError(t, err)
	require.Len(t, rooms, 1)
	assert.Equal(t, "Alice's Room", rooms[0].Name)

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
		require.ErrorIs(t, err, greenlight.ErrInvalid, tt.name)
		var ae *greenlight.APIError
		require.ErrorAs(t, err, &ae)
		assert.True(t, ae.HasCode(tt.code), "%s: %v", tt.name, ae.Codes)
		assert.NotContains(t, err.Error(), tt.user.Password)
	}

	// Admin creation with an explicit role.
	adminRole := roleID(t, e.admin, "Administrator")
	carol, err := e.admin.CreateUser(ctx, greenlight.NewUser{Name: "Carol", Email: "carol@example.com", Password: "Carol-Passw0rd", RoleID: adminRole})
	require.NoError(t, err)
	assert.Equal(t, "Administrator", carol.Role.Name)

	got, err := e.admin.GetUser(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, "alice@example.com", got.Email)

	name := "Alice Liddell"
	require.NoError(t, e.admin.UpdateUser(ctx, u.ID, greenlight.UserUpdate{Name: &name}))
	got, err = e.admin.GetUser(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, name, got.Name)

	// A plain user: can read and update themselves, not others, nor their role.
	alice, _ := signedIn(t, e.fake, "alice@example.com", "Alice-Passw0rd")
	_, err = alice.GetUser(ctx, u.ID)
	require.NoError(t, err)
	_, err = alice.GetUser(ctx, carol.ID)
	require.ErrorIs(t, err, greenlight.ErrForbidden)
	err = alice.UpdateUser(ctx, u.ID, greenlight.UserUpdate{RoleID: &adminRole})
	require.ErrorIs(t, err, greenlight.ErrForbidden)
	_, _, err = alice.ListUsers(ctx, greenlight.UsersVerified, "", 1)
	require.ErrorIs(t, err, greenlight.ErrForbidden)
	_, err = alice.CreateUser(ctx, greenlight.NewUser{Name: "X", Email: "x@example.com", Password: "Xx-Passw0rd"})
	require.ErrorIs(t, err, greenlight.ErrForbidden)
	_, err = alice.Roles(ctx)
	require.ErrorIs(t, err, greenlight.ErrForbidden)

	// Admins can change roles; a user cannot change their own.
	userRole := roleID(t, e.admin, "User")
	require.NoError(t, e.admin.UpdateUser(ctx, carol.ID, greenlight.UserUpdate{RoleID: &userRole}))
	err = e.admin.UpdateUser(ctx, e.me.ID, greenlight.UserUpdate{RoleID: &userRole})
	require.ErrorIs(t, err, greenlight.ErrForbidden)

	// Password change keeps the client able to sign in again.
	require.NoError(t, alice.ChangePassword(ctx, "Alice-Passw0rd", "Alice-Passw0rd2"))
	err = alice.ChangePassword(ctx, "wrong", "Alice-Passw0rd3")
	require.ErrorIs(t, err, greenlight.ErrInvalid)
	e.fake.ExpireSessions()
	_, err = alice.CurrentUser(ctx)
	require.NoError(t, err)

	// Status and lists.
	require.NoError(t, e.admin.SetUserStatus(ctx, carol.ID, greenlight.StatusBanned))
	banned, _, err := e.admin.ListUsers(ctx, greenlight.UsersBanned, "", 1)
	require.NoError(t, err)
	require.Len(t, banned, 1)
	assert.Equal(t, carol.ID, banned[0].ID)
	_, _, err = e.admin.ListUsers(ctx, "nope", "", 1)
	require.Error(t, err)

	require.NoError(t, e.admin.DeleteUser(ctx, carol.ID))
	_, err = e.admin.GetUser(ctx, carol.ID)
	require.ErrorIs(t, err, greenlight.ErrNotFound)
	require.ErrorIs(t, e.admin.DeleteUser(ctx, carol.ID), greenlight.ErrNotFound)
	require.Error(t, e.admin.DeleteUser(ctx, ""))
}

func TestListUsersPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t, greenlighttest.WithPageSize(2))
	ctx := context.Background()
	for i := range 5 {
		_, err := e.fake.AddUser(fmt.Sprintf("User %d", i), fmt.Sprintf("u%d@example.com", i), "Passw0rd!x", greenlighttest.RoleUser)
		require.NoError(t, err)
	}
	users, p, err := e.admin.ListUsers(ctx, greenlight.UsersVerified, "", 1)
	require.NoError(t, err)
	assert.Len(t, users, 2)
	assert.Equal(t, greenlight.Page{Page: 1, Pages: 3, Count: 6, Items: 2, Next: 2}, p)

	seen := map[string]bool{}
	for u, err := range e.admin.AllUsers(ctx, greenlight.UsersVerified, "") {
		require.NoError(t, err)
		seen[u.Email] = true
	}
	assert.Len(t, seen, 6)

	n := 0
	for u, err := range e.admin.AllUsers(ctx, greenlight.UsersVerified, "example.com") {
		require.NoError(t, err)
		n++
		if u.Email != "" && n == 3 {
			break // stopping early must not fetch further pages or panic
		}
	}
	assert.Equal(t, 3, n)

	var errs int
	alice, _ := e.addUser(t, "Alice", "alice@example.com", greenlighttest.RoleUser)
	for _, err := range alice.AllUsers(ctx, greenlight.UsersVerified, "") {
		require.ErrorIs(t, err, greenlight.ErrForbidden)
		errs++
	}
	assert.Equal(t, 1, errs)
}
