package scheduler

import (
	"errors"
	"strconv"

	"github.com/bbbkit/bbbkit/internal/redact"
)

// Sentinel errors, for use with errors.Is.
var (
	// ErrServerNotFound means no server has the given ID.
	ErrServerNotFound = errors.New("scheduler: server not found")
	// ErrServerExists means AddServer was given an ID that is already in use.
	ErrServerExists = errors.New("scheduler: server already exists")
	// ErrMeetingNotFound means no server holds the given meeting ID.
	ErrMeetingNotFound = errors.New("scheduler: meeting not found")
	// ErrNoServer means no enabled, online server can take a new meeting
	// (Scalelite answers internalError "Could not find any available
	// servers.").
	ErrNoServer = errors.New("scheduler: no available server")
	// ErrTagUnavailable means a required tag list ("tag!") matched no
	// enabled, online server (Scalelite's serverTagUnavailable). Errors
	// that match it are *TagUnavailableError.
	ErrTagUnavailable = errors.New("scheduler: no available server with the required tag")
	// ErrInvalid means an argument failed validation. Errors that match it
	// are *ValidationError.
	ErrInvalid = errors.New("scheduler: invalid argument")
)

// ValidationError reports an invalid argument. It never includes a secret.
type ValidationError struct {
	Field  string // the offending field or argument, e.g. "url"
	Reason string // what is wrong with it
}

// Error implements error.
func (e *ValidationError) Error() string {
	return "scheduler: invalid " + e.Field + ": " + e.Reason
}

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// TagUnavailableError reports that a mandatory tag list matched no available
// server.
type TagUnavailableError struct {
	Tag string // the request's tag argument, as given (e.g. "gpu;big!")
}

// Error implements error.
func (e *TagUnavailableError) Error() string {
	return "scheduler: no available server with tag " + strconv.Quote(e.Tag)
}

// Is reports whether target is ErrTagUnavailable.
func (e *TagUnavailableError) Is(target error) bool { return target == ErrTagUnavailable }

// PollError reports that polling one server failed. Observers receive it in
// EventPollFailed events.
type PollError struct {
	ServerID string // the server that failed
	Err      error  // the cause (never contains the server secret)
}

// Error implements error. The cause's text passes through bbbkit's
// redactor: a lister's error may quote what a server echoed, checksum
// included, and the balancer logs this text.
func (e *PollError) Error() string {
	return "scheduler: poll server " + strconv.Quote(e.ServerID) + ": " + redact.String(e.Err.Error())
}

// Unwrap returns the cause.
func (e *PollError) Unwrap() error { return e.Err }
