package bbb

import (
	"fmt"
	"strings"

	"github.com/bbbkit/bbbkit/internal/httpcore"
)

// Error is a FAILED answer from the server: the call was delivered and
// refused. Key is BigBlueButton's messageKey (such as "checksumError" or
// "notFound"); compare it with errors.Is and the Err* sentinels rather than
// with strings where a sentinel exists.
type Error struct {
	Call    string     // API call name, such as "create" or "hooks/create"
	Key     string     // messageKey, or the key of the first error in a list
	Message string     // human-readable message from the server
	Errors  []KeyValue // every error of a multi-error answer (join redirects, legacy <errors>)
}

// KeyValue is one entry of a multi-error answer.
type KeyValue struct {
	Key     string `json:"key"`
	Message string `json:"message"`
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("bbb: ")
	b.WriteString(e.Call)
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
	} else {
		b.WriteString("FAILED")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for i, kv := range e.Errors {
		if i == 0 && kv.Key == e.Key && kv.Message == e.Message {
			continue
		}
		fmt.Fprintf(&b, "; %s: %s", kv.Key, kv.Message)
	}
	return b.String()
}

// Is reports whether the error matches one of the sentinels below: by key,
// or, for the answers bbb-web sends without a messageKey, by call and message.
func (e *Error) Is(target error) bool {
	s, ok := target.(*sentinel)
	if !ok {
		return false
	}
	if e.Key == "" && s.matchesUnkeyed(e.Call, e.Message) {
		return true
	}
	for _, k := range s.keys {
		if strings.EqualFold(k, e.Key) {
			return true
		}
		for _, kv := range e.Errors {
			if strings.EqualFold(k, kv.Key) {
				return true
			}
		}
	}
	return false
}

type sentinel struct {
	name string
	keys []string
}

// unkeyedAnswer is a FAILED answer that bbb-web 3.0 sends without a
// messageKey, known by its call and its message.
type unkeyedAnswer struct {
	call    string
	message string // whole message; with a trailing '*', a prefix
	target  error
}

// unkeyedAnswers lists them as bbb-web words them: the session checks of
// getJoinUrl and learningDashboard in ApiController (their validation
// messages come from UserSessionConstraint, whose keys are not sent), and
// insertDocument's unknown meeting.
var unkeyedAnswers = []unkeyedAnswer{
	{"getJoinUrl", "You must provide a session token", ErrMissingSession},
	{"getJoinUrl", "Invalid session token", ErrMissingSession},
	{"getJoinUrl", "Invalid Session", ErrMissingSession},
	{"getJoinUrl", "Access denied", ErrMissingSession}, // a valid token without a user session
	{"getJoinUrl", "Meeting not found", ErrNotFound},
	{"learningDashboard", "You must provide a session token", ErrMissingSession},
	{"learningDashboard", "Invalid session token", ErrMissingSession},
	{"learningDashboard", "Invalid Session", ErrMissingSession},
	{"learningDashboard", "Meeting not found", ErrNotFound},
	{"learningDashboard", "Learning Dashboard data not found", ErrNotFound},
	{"insertDocument", "Meeting with id [*", ErrNotFound},
}

func (s *sentinel) matchesUnkeyed(call, message string) bool {
	message = strings.TrimSpace(message)
	for _, u := range unkeyedAnswers {
		if u.target != error(s) || u.call != call {
			continue
		}
		if prefix, ok := strings.CutSuffix(u.message, "*"); ok && strings.HasPrefix(message, prefix) ||
			strings.EqualFold(message, u.message) {
			return true
		}
	}
	return false
}

func (s *sentinel) Error() string { return "bbb: " + s.name }

// Sentinels for errors.Is. Each matches a *Error whose messageKey is one of
// the keys BigBlueButton uses for that condition across versions.
var (
	// ErrChecksum: the server refused the checksum (wrong secret, algorithm not
	// allowed, or a proxy re-encoded the query).
	ErrChecksum error = &sentinel{"checksum refused", []string{"checksumError"}}
	// ErrNotFound: no such meeting or recording.
	ErrNotFound error = &sentinel{"not found", []string{"notFound", "meetingNotFound", "invalidMeetingIdentifier", "invalidMeetingId", "noRecordings", "destroyMissingHook"}}
	// ErrIDNotUnique: create with an existing meeting ID but other passwords.
	ErrIDNotUnique error = &sentinel{"meeting ID not unique", []string{"idNotUnique", "NotUniqueMeetingID"}}
	// ErrVoiceBridgeNotUnique: the requested voice bridge is in use.
	ErrVoiceBridgeNotUnique error = &sentinel{"voice bridge not unique", []string{"nonUniqueVoiceBridge"}}
	// ErrValidation: a parameter failed the server's validation.
	ErrValidation error = &sentinel{"validation failed", []string{"validationError", "paramError", "MissingParam", "missingParamMeetingID", "missingParamFullName", "missingParamRecordID", "missingParamPublish", "missingParamHookID", "missingParamCallbackURL", "invalidKind", "invalidLang", "invalidSharedNotesEditor", "Params required", "parentMeetingIdMissing", "parentMeetingIDMissing"}}
	// ErrUnsupportedContentType: a POST without a Content-Type the call accepts.
	ErrUnsupportedContentType error = &sentinel{"unsupported content type", []string{"unsupportedContentType"}}
	// ErrInvalidPassword: join with a password that matches neither role.
	ErrInvalidPassword error = &sentinel{"invalid password", []string{"invalidPassword"}}
	// ErrMeetingEnded: the meeting was ended and cannot be joined.
	ErrMeetingEnded error = &sentinel{"meeting ended", []string{"meetingForciblyEnded", "meetingEnded"}}
	// ErrMaxParticipants: the meeting is full.
	ErrMaxParticipants error = &sentinel{"maximum participants reached", []string{"maxParticipantsReached"}}
	// ErrCreateTimeMismatch: join with a createTime of an earlier meeting.
	ErrCreateTimeMismatch error = &sentinel{"createTime does not match", []string{"mismatchCreateTimeParam"}}
	// ErrGuestDenied: a guest was denied access.
	ErrGuestDenied error = &sentinel{"guest denied", []string{"guestDeniedAccess", "guestDeny"}}
	// ErrMissingSession: a session-token call with an unknown or expired
	// token, including the refusals of getJoinUrl and learningDashboard that
	// bbb-web sends without a messageKey ("Invalid Session", ...).
	ErrMissingSession error = &sentinel{"missing session", []string{"missingSession", "missingToken", "sessionMissing", "invalidSession"}}
)

// TransportError is a request that did not get an HTTP answer: DNS, TCP,
// TLS, timeout or cancellation. The URL has its checksum and secrets
// redacted. It is the type every bbbkit client returns, so errors.As with a
// *bbb.TransportError matches a scalelite or greenlight error too.
type TransportError = httpcore.TransportError

// HTTPError is an answer with a status other than the one the call expects,
// typically an HTML error page from a proxy in front of the server. Snippet
// holds the start of the body, redacted. Shared by every bbbkit client.
type HTTPError = httpcore.HTTPError

// DecodeError is a 200 answer that is not the XML or JSON the call returns
// (truncated, HTML, or larger than the response size cap). Shared by every
// bbbkit client.
type DecodeError = httpcore.DecodeError

// ErrResponseTooLarge is wrapped by a DecodeError when an answer exceeds the
// client's response size cap (see WithMaxResponseBytes).
var ErrResponseTooLarge = httpcore.ErrResponseTooLarge

// ParamError reports a parameter or option the client refused before
// sending anything. Shared by every bbbkit client.
type ParamError = httpcore.ParamError

// paramErr returns the *ParamError of a parameter call refused before
// sending, named as this package's ("bbb: call: parameter ...").
func paramErr(call, param, msg string) error {
	return &ParamError{Service: "bbb", Call: call, Param: param, Msg: msg}
}

// decodeErr returns the *DecodeError of an answer that could not be read.
func (resp *rawResponse) decodeErr(err error) error {
	return &DecodeError{Service: "bbb", Call: resp.call, URL: resp.url, Err: err}
}
