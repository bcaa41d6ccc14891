package greenlight

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// User is a Greenlight user (UserSerializer).
type User struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Email        string    `json:"email"`
	Provider     string    `json:"provider"`
	Language     string    `json:"language"`
	Avatar       string    `json:"avatar"`
	Verified     bool      `json:"verified"`
	ConfirmTerms bool      `json:"confirm_terms"`
	EmailNotifs  bool      `json:"email_notifs"`
	CreatedAt    time.Time `json:"created_at"`
	Role         *Role     `json:"role"`
}

// NewUser is the body of CreateUser.
type NewUser struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Password string `json:"password"` // 8+ chars with lower, upper, digit and symbol
	Language string `json:"language,omitempty"`
	RoleID   string `json:"role_id,omitempty"` // empty: Greenlight's default role
}

// UserUpdate is the body of UpdateUser; nil fields are left unchanged.
type UserUpdate struct {
	Name     *string `json:"name,omitempty"`
	Password *string `json:"password,omitempty"`
	Language *string `json:"language,omitempty"`
	RoleID   *string `json:"role_id,omitempty"` // a user cannot change their own role
}

// UserList selects one of the admin user lists.
type UserList string

// The admin user lists (GET /api/v1/admin/users/<list>.json).
const (
	UsersVerified   UserList = "verified"
	UsersUnverified UserList = "unverified"
	UsersPending    UserList = "pending"
	UsersBanned     UserList = "banned"
)

// UserStatus is the status an admin can set with SetUserStatus.
type UserStatus string

// The user statuses Greenlight knows.
const (
	StatusActive  UserStatus = "active"
	StatusPending UserStatus = "pending"
	StatusBanned  UserStatus = "banned"
)

// CreateUser creates a user (POST /api/v1/users.json). Signed in as a user
// with ManageUsers this is an admin creation and the session stays the
// admin's. Greenlight refuses it (ErrForbidden) when OpenID Connect is on;
// an email already in use gives ErrInvalid with code "EmailAlreadyExists".
// The password is sent but never appears in errors.
func (c *Client) CreateUser(ctx context.Context, u NewUser) (*User, error) {
	if u.Name == "" || u.Email == "" || u.Password == "" {
		return nil, errors.New("greenlight: CreateUser: name, email and password are required")
	}
	var out CurrentUser
	if err := c.call(ctx, request{method: http.MethodPost, path: "users.json", body: map[string]any{"user": u}, out: &out,
		secrets: []string{u.Password}}); err != nil {
		return nil, err
	}
	return &out.User, nil
}

// GetUser returns one user (GET /api/v1/users/:id.json); needs ManageUsers
// unless id is the signed-in user.
func (c *Client) GetUser(ctx context.Context, id string) (*User, error) {
	if err := checkID("user id", id); err != nil {
		return nil, err
	}
	var u User
	if err := c.call(ctx, request{method: http.MethodGet, path: "users/" + url.PathEscape(id) + ".json", out: &u}); err != nil {
		return nil, err
	}
	return &u, nil
}

// UpdateUser changes a user (PATCH /api/v1/users/:id.json).
func (c *Client) UpdateUser(ctx context.Context, id string, upd UserUpdate) error {
	if err := checkID("user id", id); err != nil {
		return err
	}
	var secrets []string
	if upd.Password != nil && *upd.Password != "" {
		secrets = []string{*upd.Password}
	}
	return c.call(ctx, request{method: http.MethodPatch, path: "users/" + url.PathEscape(id) + ".json", body: map[string]any{"user": upd}, secrets: secrets})
}

// DeleteUser deletes a user and their rooms (DELETE /api/v1/users/:id.json).
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	if err := checkID("user id", id); err != nil {
		return err
	}
	return c.call(ctx, request{method: http.MethodDelete, path: "users/" + url.PathEscape(id) + ".json"})
}

// ChangePassword changes the signed-in user's password
// (POST /api/v1/users/change_password.json). The client remembers the new
// password for re-sign-in.
func (c *Client) ChangePassword(ctx context.Context, oldPassword, newPassword string) error {
	if oldPassword == "" || newPassword == "" {
		return errors.New("greenlight: ChangePassword: both passwords are required")
	}
	err := c.call(ctx, request{method: http.MethodPost, path: "users/change_password.json",
		body: map[string]any{"user": map[string]string{"old_password": oldPassword, "new_password": newPassword}}})
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.creds != nil {
		c.creds = &credentials{email: c.creds.email, password: newPassword}
	}
	c.mu.Unlock()
	return nil
}

// SetUserStatus sets an account's status as an admin
// (PATCH /api/v1/admin/users/:id.json).
func (c *Client) SetUserStatus(ctx context.Context, id string, status UserStatus) error {
	if err := checkID("user id", id); err != nil {
		return err
	}
	return c.call(ctx, request{method: http.MethodPatch, path: "admin/users/" + url.PathEscape(id) + ".json",
		body: map[string]any{"user": map[string]string{"status": string(status)}}})
}

// ListUsers returns one page (from 1) of an admin user list, filtered by
// search (name, email or role); needs ManageUsers.
func (c *Client) ListUsers(ctx context.Context, list UserList, search string, page int) ([]User, Page, error) {
	switch list {
	case UsersVerified, UsersUnverified, UsersPending, UsersBanned:
	default:
		return nil, Page{}, errors.New("greenlight: ListUsers: unknown list " + strconv.Quote(string(list)))
	}
	var users []User
	var p Page
	err := c.call(ctx, request{method: http.MethodGet, path: "admin/users/" + string(list) + ".json",
		query: pageQuery(search, "search", page), out: &users, page: &p})
	return users, p, err
}

// AllUsers iterates over every page of an admin user list.
func (c *Client) AllUsers(ctx context.Context, list UserList, search string) iter.Seq2[User, error] {
	return paginate(func(page int) ([]User, Page, error) { return c.ListUsers(ctx, list, search, page) })
}

// Roles lists the roles (GET /api/v1/admin/roles.json); needs ManageRoles.
func (c *Client) Roles(ctx context.Context) ([]Role, error) {
	var roles []Role
	err := c.call(ctx, request{method: http.MethodGet, path: "admin/roles.json", out: &roles})
	return roles, err
}

// pageQuery builds the query of a list call.
func pageQuery(search, searchKey string, page int) url.Values {
	q := url.Values{}
	if search != "" {
		q.Set(searchKey, search)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	return q
}

// maxPages bounds iteration when a server keeps announcing a next page.
const maxPages = 10000

// paginate turns a one-page call into an iterator that follows Page.Next.
func paginate[T any](fetch func(page int) ([]T, Page, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		page := 1
		for range maxPages {
			items, p, err := fetch(page)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if p.Next <= page || len(items) == 0 {
				return
			}
			page = p.Next
		}
	}
}

// checkID refuses identifiers that cannot be a path segment.
func checkID(what, id string) error {
	if id == "" {
		return errors.New("greenlight: empty " + what)
	}
	if len(id) > 256 {
		return errors.New("greenlight: " + what + " too long")
	}
	return nil
}
