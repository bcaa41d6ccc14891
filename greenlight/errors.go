package greenlight

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/bbbkit/bbbkit/internal/httpcore"
)

// Sentinel errors for errors.Is. An *APIError matches the sentinel of its
// HTTP status; a *SessionError matches ErrSessionExpired.
var (
	// ErrUnauthorized: Greenlight answered 401 (no valid session).
	ErrUnauthorized = errors.New("greenlight: unauthorized")
	// ErrForbidden: Greenlight answered 403 (the signed-in role lacks the permission).
	ErrForbidden = errors.New("greenlight: forbidden")
	// ErrNotFound: Greenlight answered 404 (no such user, room or recording).
	ErrNotFound = errors.New("greenlight: not found")
	// ErrInvalid: Greenlight refused the parameters (400 or 422), for example a
	// duplicate email, a weak password or an unknown setting.
	ErrInvalid = errors.New("greenlight: invalid request")
	// ErrServer: Greenlight answered 5xx.
	ErrServer = errors.New("greenlight: server error")
	// ErrCSRF: the request was refused because its CSRF token was missing or stale.
	ErrCSRF = errors.New("greenlight: CSRF token refused")
	// ErrSessionExpired: the session expired and signing in again did not restore it.
	ErrSessionExpired = errors.New("greenlight: session expired")
	// ErrNotSignedIn: the call needs a session but SignIn was never called.
	ErrNotSignedIn = errors.New("greenlight: not signed in")
	// ErrNotAPI: the server answered HTML instead of the JSON API (wrong base
	// URL, a proxy page, or a request Greenlight did not treat as an API call).
	ErrNotAPI = errors.New("greenlight: response is not a Greenlight API response")
)

// APIError is a non-2xx answer of the Greenlight API. Codes holds the
// "errors" of the envelope (Greenlight's codes such as "EmailAlreadyExists").
// It never holds request bodies, cookies or tokens.
type APIError struct {
	Method     string
	Path       string // request path without the query string
	StatusCode int
	Codes      []string
}

// Error implements error.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "greenlight: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if len(e.Codes) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(e.Codes, ", "))
	}
	return b.String()
}

// Is maps the status code (and CSRF error codes) to the package sentinels.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrInvalid:
		return (e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnprocessableEntity) && !e.isCSRF()
	case ErrServer:
		return e.StatusCode >= 500
	case ErrCSRF:
		return e.isCSRF()
	}
	return false
}

// HasCode reports whether Greenlight returned the given error code.
func (e *APIError) HasCode(code string) bool {
	for _, c := range e.Codes {
		if c == code {
			return true
		}
	}
	return false
}

func (e *APIError) isCSRF() bool {
	if e.StatusCode != http.StatusUnprocessableEntity && e.StatusCode != http.StatusForbidden {
		return false
	}
	for _, c := range e.Codes {
		l := strings.ToLower(c)
		if strings.Contains(l, "authenticity") || strings.Contains(l, "csrf") {
			return true
		}
	}
	return false
}

// SessionError reports that the session (or its CSRF token) was refused, the
// client signed in again once, and the retry still failed (or signing in
// failed). It matches ErrSessionExpired and unwraps to the last error.
type SessionError struct {
	Method string
	Path   string
	Err    error
}

// Error implements error.
func (e *SessionError) Error() string {
	return fmt.Sprintf("greenlight: %s %s: session expired; signing in again did not help: %v", e.Method, e.Path, e.Err)
}

// Unwrap returns the error of the last attempt.
func (e *SessionError) Unwrap() error { return e.Err }

// Is matches ErrSessionExpired.
func (e *SessionError) Is(target error) bool { return target == ErrSessionExpired }

// TransportError is a failure to reach Greenlight or to read its answer.
// It is the type of every bbbkit client (bbb.TransportError); Call is
// "METHOD path".
type TransportError = httpcore.TransportError

// DecodeError is a 2xx answer whose body is not the expected JSON (an HTML
// page gives one that matches ErrNotAPI), or an answer over the size cap.
// It is the type of every bbbkit client (bbb.DecodeError).
type DecodeError = httpcore.DecodeError

// ParamError is an argument or option the client refused before sending
// anything. It is the type of every bbbkit client (bbb.ParamError).
type ParamError = httpcore.ParamError
