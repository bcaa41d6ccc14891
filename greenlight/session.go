package greenlight

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// Role is a Greenlight role as embedded in users.
type Role struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color,omitempty"`
}

// CurrentUser is the signed-in user with its permissions
// (Greenlight's CurrentUserSerializer).
type CurrentUser struct {
	User
	SignedIn        bool              `json:"signed_in"`
	Permissions     map[string]string `json:"permissions"` // name -> "true"/"false"/number
	Status          string            `json:"status"`
	ExternalAccount bool              `json:"external_account"`
	SuperAdmin      bool              `json:"super_admin"`
	AllowedTags     []string          `json:"allowed_tags"`
}

// Can reports whether the role has the permission set to "true"
// (for example "ManageUsers", "CreateRoom", "SharedList"). SuperAdmin can do
// everything.
func (u *CurrentUser) Can(permission string) bool {
	return u.SuperAdmin || u.Permissions[permission] == "true"
}

// sessionState is the answer of GET sessions.json when nobody is signed in.
type sessionState struct {
	SignedIn bool `json:"signed_in"`
}

// FetchCSRFToken loads the Greenlight page, which also starts the cookie
// session, and keeps the CSRF token from its <meta name="csrf-token"> for
// the following writes. SignIn calls it; call it yourself only before writes
// that need no session.
func (c *Client) FetchCSRFToken(ctx context.Context) error {
	u := *c.base
	u.Path = c.base.Path + "/"
	resp, err := c.exchange(ctx, http.MethodGet, "/", u.String(), nil, "text/html", nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return resp.Done(&APIError{Method: http.MethodGet, Path: "/", StatusCode: resp.StatusCode})
	}
	tok, ok := parseCSRFMeta(resp.Body)
	if !ok {
		return resp.Done(&DecodeError{Service: "greenlight", Call: "GET /", URL: resp.URL,
			Err: fmt.Errorf("%w: no csrf-token meta tag", ErrNotAPI)})
	}
	resp.Done(nil)
	c.mu.Lock()
	c.csrf = tok
	c.mu.Unlock()
	return nil
}

// SignIn fetches a CSRF token and signs in with a local Greenlight account
// (POST /api/v1/sessions.json). The credentials stay in memory so the client
// can sign in again when the session expires. Wrong credentials give an
// error matching ErrInvalid; with OpenID Connect enabled Greenlight only lets
// the SuperAdmin sign in this way (others get ErrForbidden).
func (c *Client) SignIn(ctx context.Context, email, password string) (*CurrentUser, error) {
	if email == "" || password == "" {
		return nil, errors.New("greenlight: SignIn: email and password are required")
	}
	c.signInMu.Lock()
	defer c.signInMu.Unlock()
	u, err := c.signIn(ctx, &credentials{email: email, password: password})
	if err != nil {
		return nil, err
	}
	return u, nil
}

func (c *Client) signIn(ctx context.Context, cr *credentials) (*CurrentUser, error) {
	if err := c.FetchCSRFToken(ctx); err != nil {
		return nil, fmt.Errorf("greenlight: sign in as %s: %w", cr.email, err)
	}
	body := map[string]any{"session": map[string]any{
		"email": cr.email, "password": cr.password, "extend_session": false,
	}}
	var u CurrentUser
	if err := c.send(ctx, request{method: http.MethodPost, path: "sessions.json", body: body, out: &u, noRetry: true, secrets: []string{cr.password}}); err != nil {
		return nil, fmt.Errorf("greenlight: sign in as %s: %w", cr.email, err)
	}
	c.mu.Lock()
	c.creds = cr
	c.gen++
	c.mu.Unlock()
	return &u, nil
}

// resignIn signs in again with the remembered credentials unless another
// goroutine already did so since generation gen.
func (c *Client) resignIn(ctx context.Context, gen uint64) error {
	c.signInMu.Lock()
	defer c.signInMu.Unlock()
	c.mu.Lock()
	cr, cur := c.creds, c.gen
	c.mu.Unlock()
	if cr == nil {
		return ErrNotSignedIn
	}
	if cur != gen {
		return nil
	}
	_, err := c.signIn(ctx, cr)
	return err
}

// SignOut ends the session (DELETE /api/v1/sessions/signout.json) and
// forgets the credentials.
func (c *Client) SignOut(ctx context.Context) error {
	c.signInMu.Lock()
	defer c.signInMu.Unlock()
	err := c.send(ctx, request{method: http.MethodDelete, path: "sessions/signout.json", noRetry: true})
	c.mu.Lock()
	c.creds = nil
	c.csrf = ""
	c.gen++
	c.mu.Unlock()
	return err
}

// CurrentUser returns the signed-in user (GET /api/v1/sessions.json), or an
// error matching ErrNotSignedIn when the session carries no user.
func (c *Client) CurrentUser(ctx context.Context) (*CurrentUser, error) {
	c.mu.Lock()
	gen, haveCreds := c.gen, c.creds != nil
	c.mu.Unlock()
	var u CurrentUser
	if err := c.call(ctx, request{method: http.MethodGet, path: "sessions.json", out: &u}); err != nil {
		return nil, err
	}
	if u.SignedIn {
		return &u, nil
	}
	if !haveCreds {
		return nil, ErrNotSignedIn
	}
	// Greenlight answers an expired session here with signed_in=false.
	if err := c.resignIn(ctx, gen); err != nil {
		return nil, &SessionError{Method: http.MethodGet, Path: apiPrefix + "sessions.json", Err: err}
	}
	u = CurrentUser{}
	if err := c.send(ctx, request{method: http.MethodGet, path: "sessions.json", out: &u}); err != nil {
		return nil, err
	}
	if !u.SignedIn {
		return nil, &SessionError{Method: http.MethodGet, Path: apiPrefix + "sessions.json", Err: ErrNotSignedIn}
	}
	return &u, nil
}
