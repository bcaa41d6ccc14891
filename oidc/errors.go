package oidc

import (
	"errors"
	"net/http"
	"strings"
)

// Sentinel errors. Every error the Joiner's handlers produce is an *Error
// whose Kind is one of these, so callers branch with errors.Is.
var (
	// ErrBadRequest: the request is malformed (wrong method, missing meeting
	// or missing parameter).
	ErrBadRequest = errors.New("bad request")
	// ErrOpenRedirect: the request asked for a redirect target, or a redirect
	// would have left the configured BBB server. Sign-in only ever ends in the
	// configured BBB join URL.
	ErrOpenRedirect = errors.New("redirect target refused")
	// ErrState: the state parameter is missing, does not match the browser's
	// login cookie, or the login cookie is missing, forged or expired.
	ErrState = errors.New("login state missing, expired or not matching")
	// ErrStateExpired: the login state is authentic but the sign-in took
	// longer than the login TTL (a tab left open on the provider's page).
	// Errors of this kind also match ErrState.
	ErrStateExpired = errors.New("sign-in took too long")
	// ErrStateReplayed: the state was already used by an earlier callback
	// (a reload of the callback URL, or the back button into the provider).
	ErrStateReplayed = errors.New("login state already used")
	// ErrProvider: the OpenID provider answered with an error (on the
	// authorization redirect, the token endpoint or the UserInfo endpoint) or
	// could not be reached.
	ErrProvider = errors.New("identity provider error")
	// ErrToken: the ID token failed verification (signature, issuer,
	// audience, authorized party, not-before) or is absent.
	ErrToken = errors.New("ID token rejected")
	// ErrTokenExpired: the ID token is expired. Errors of this kind also match
	// ErrToken.
	ErrTokenExpired = errors.New("ID token expired")
	// ErrNonce: the ID token's nonce does not match the one bound to the
	// browser. Errors of this kind also match ErrToken.
	ErrNonce = errors.New("ID token nonce does not match")
	// ErrMissingClaim: a claim the mapping needs (user ID, name, or one listed
	// as required) is absent or empty.
	ErrMissingClaim = errors.New("required claim missing")
	// ErrUnknownMeeting: no configured room has this meeting ID.
	ErrUnknownMeeting = errors.New("unknown meeting")
	// ErrDenied: a role rule denied access to the meeting.
	ErrDenied = errors.New("access to the meeting denied")
	// ErrNotStarted: the user may not start the meeting, it is not running
	// and waiting is disabled.
	ErrNotStarted = errors.New("meeting has not started")
	// ErrWaitExpired: a waiting user's pending join is missing or expired;
	// they have to sign in again.
	ErrWaitExpired = errors.New("pending join missing or expired")
	// ErrBBB: the BBB server failed (create, getMeetingInfo or join URL).
	ErrBBB = errors.New("BBB server error")
)

// Error is the error the Joiner reports for a refused or failed sign-in. Its
// message never contains a token, code, state, nonce, cookie, secret or
// checksum: causes from the OAuth2 library (whose messages can echo what the
// provider returned) are reduced to their error code before they get here.
type Error struct {
	// Op is the step that failed: "discovery" (from New), "login",
	// "callback" or "wait".
	Op string
	// Kind is one of the package's sentinel errors.
	Kind error
	// Status is the HTTP status the handlers answer with.
	Status int
	// Meeting is the meeting the user asked for, when known.
	Meeting string
	// Err is the sanitized cause, or nil.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("oidc: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Kind != nil {
		b.WriteString(e.Kind.Error())
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the kind and the cause, so errors.Is matches both.
func (e *Error) Unwrap() []error {
	errs := []error{e.Kind}
	if e.Kind == ErrTokenExpired || e.Kind == ErrNonce {
		errs = append(errs, ErrToken)
	}
	if e.Kind == ErrStateExpired {
		errs = append(errs, ErrState)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// ProviderError is the sanitized form of an error answer from the OpenID
// provider. Only the OAuth2 error code is kept: descriptions and bodies are
// dropped because providers echo codes and client credentials in them.
type ProviderError struct {
	// Endpoint is "authorization", "token", "userinfo" or "discovery".
	Endpoint string
	// Code is the OAuth2 error code, e.g. "access_denied" or "invalid_grant",
	// or empty when the provider gave none.
	Code string
	// StatusCode is the HTTP status of the provider's answer, 0 when not known.
	StatusCode int
}

// Error implements error.
func (e *ProviderError) Error() string {
	var b strings.Builder
	b.WriteString(e.Endpoint)
	b.WriteString(" endpoint")
	if e.StatusCode != 0 {
		b.WriteString(" answered HTTP ")
		b.WriteString(http.StatusText(e.StatusCode))
	}
	if e.Code != "" {
		b.WriteString(" with error ")
		b.WriteString(e.Code)
	}
	if e.StatusCode == 0 && e.Code == "" {
		b.WriteString(" unreachable or unusable answer")
	}
	return b.String()
}

// safeCode keeps an OAuth2 error code only when it has the shape the
// specification gives it (RFC 6749 §5.2: printable ASCII without quote and
// backslash); anything else is replaced so it cannot smuggle data into pages
// or logs.
func safeCode(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > 64 {
		return "invalid_error_code"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return "invalid_error_code"
		}
	}
	return s
}

func newError(op string, kind error, status int, meeting string, cause error) *Error {
	return &Error{Op: op, Kind: kind, Status: status, Meeting: meeting, Err: cause}
}
