package oidc

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// loginState is bound to the browser between the login redirect and the
// callback, sealed in a cookie named after the state (so parallel sign-ins in
// several tabs do not overwrite each other).
type loginState struct {
	State    string            `json:"s"`
	Nonce    string            `json:"n"`
	Verifier string            `json:"v"`
	Meeting  string            `json:"m"`
	UserData map[string]string `json:"u,omitempty"`
	Expires  int64             `json:"e"`
	// Used marks a state a callback has consumed. The login cookie is
	// replaced by this marker (without nonce and verifier) instead of being
	// deleted, so a reload of the callback URL or the back button into the
	// provider gets "already used" with a way back into the same meeting,
	// rather than "did not start in this browser".
	Used bool `json:"x,omitempty"`
}

// pendingJoin is a verified user waiting for a meeting to start, sealed in a
// cookie named after the meeting.
type pendingJoin struct {
	Meeting  string            `json:"m"`
	Name     string            `json:"n"`
	UserID   string            `json:"i"`
	Avatar   string            `json:"a,omitempty"`
	Role     Role              `json:"r"`
	UserData map[string]string `json:"u,omitempty"`
	Expires  int64             `json:"e"`
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func cookieID(kind, v string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + v))
	return kind + "-" + hex.EncodeToString(sum[:8])
}

func (j *Joiner) loginCookieName(state string) string { return j.cookiePrefix + cookieID("l", state) }
func (j *Joiner) waitCookieName(meeting string) string {
	return j.cookiePrefix + cookieID("w", meeting)
}

func (j *Joiner) setCookie(w http.ResponseWriter, name string, v any, ttl time.Duration) error {
	plain, err := json.Marshal(v)
	if err != nil {
		return err
	}
	value, err := j.sealer.seal(name, plain)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		MaxAge:   int(ttl / time.Second),
		Expires:  j.o.now().Add(ttl),
		HttpOnly: true,
		Secure:   !j.o.insecure,
		SameSite: http.SameSiteLaxMode,
	})
	return nil
}

func (j *Joiner) deleteCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   !j.o.insecure,
		SameSite: http.SameSiteLaxMode,
	})
}

var errNoCookie = errors.New("cookie missing or not authentic")

func (j *Joiner) readCookie(r *http.Request, name string, v any) error {
	c, err := r.Cookie(name)
	if err != nil {
		return errNoCookie
	}
	plain, err := j.sealer.open(name, c.Value)
	if err != nil {
		return errNoCookie
	}
	if err := json.Unmarshal(plain, v); err != nil {
		return errNoCookie
	}
	return nil
}

// readLoginState finds and checks the login cookie for state. It returns the
// cookie name whenever one was looked for, so the caller clears it even when
// the check fails.
func (j *Joiner) readLoginState(r *http.Request, state string) (*loginState, string, *Error) {
	const op = "callback"
	if state == "" || len(state) > 128 {
		return nil, "", newError(op, ErrState, http.StatusBadRequest, "", errors.New("state parameter missing or malformed"))
	}
	name := j.loginCookieName(state)
	var ls loginState
	if err := j.readCookie(r, name, &ls); err != nil {
		return nil, name, newError(op, ErrState, http.StatusBadRequest, "", err)
	}
	if !constantTimeEqual(ls.State, state) {
		return nil, name, newError(op, ErrState, http.StatusBadRequest, "", errors.New("state does not match the login cookie"))
	}
	if ls.Used {
		// No name: the marker stays, so every further reload says the same.
		return nil, "", newError(op, ErrStateReplayed, http.StatusBadRequest, ls.Meeting, errors.New("sign-in already completed in this browser"))
	}
	if !j.o.now().Before(time.Unix(ls.Expires, 0)) {
		return nil, name, newError(op, ErrStateExpired, http.StatusBadRequest, ls.Meeting, nil)
	}
	return &ls, name, nil
}

// loginCookieTTL is how long the browser keeps a login cookie: the login
// TTL plus as much again, so that a browser returning late still sends it
// and hears "took too long" for its meeting; the sealed Expires, not the
// cookie's lifetime, bounds the sign-in.
func (j *Joiner) loginCookieTTL() time.Duration { return 2 * j.o.loginTTL }

// markLoginUsed replaces the login cookie of a consumed state by a Used
// marker that lives as long as the login cookie would have.
func (j *Joiner) markLoginUsed(w http.ResponseWriter, name string, ls *loginState) {
	marker := &loginState{State: ls.State, Meeting: ls.Meeting, Expires: ls.Expires, Used: true}
	ttl := time.Unix(ls.Expires, 0).Sub(j.o.now()) + j.loginCookieTTL() - j.o.loginTTL
	if ttl < time.Second || j.setCookie(w, name, marker, ttl) != nil {
		j.deleteCookie(w, name)
	}
}

// redact removes secrets (and their dot-separated JWT segments) from a
// message produced by a library that might quote its input.
func redact(msg string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) < 8 {
			continue
		}
		msg = strings.ReplaceAll(msg, s, "[redacted]")
		for _, part := range strings.Split(s, ".") {
			if len(part) >= 8 {
				msg = strings.ReplaceAll(msg, part, "[redacted]")
			}
		}
	}
	return msg
}
