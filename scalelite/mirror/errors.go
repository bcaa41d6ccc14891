package mirror

import (
	"errors"
	"fmt"
	"github.com/bbbkit/bbbkit/internal/httpcore"
	"strings"
)

// Sentinel errors for errors.Is. The typed errors below match them.
var (
	// ErrUnsafe matches every refusal of a path or archive entry that could
	// escape the tree or is not a regular file or directory.
	ErrUnsafe = errors.New("mirror: unsafe path or archive entry")
	// ErrMetadata matches every metadata.xml that is missing or invalid.
	ErrMetadata = errors.New("mirror: invalid metadata.xml")
	// ErrVerify matches a transferred file whose size or SHA-256 does not
	// match the manifest.
	ErrVerify = errors.New("mirror: verification failed")
	// ErrSourceChanged matches a file that changed at the source while it
	// was being copied.
	ErrSourceChanged = errors.New("mirror: source changed during transfer")
	// ErrUnauthorized matches an export endpoint that refused the checksum.
	ErrUnauthorized = errors.New("mirror: export endpoint refused the checksum")
	// ErrNotFound matches a recording, format or file the source does not have.
	ErrNotFound = errors.New("mirror: not found")
	// ErrEmptySource is returned when WithDelete would empty the
	// destination because the source lists no recordings at all (an
	// unmounted volume looks like that); nothing is deleted.
	ErrEmptySource = errors.New("mirror: source lists no recordings; refusing to delete the destination")
	// ErrTooLarge matches a manifest or archive past a configured limit.
	ErrTooLarge = errors.New("mirror: size limit exceeded")
	// ErrIncomplete matches an operation that applied only part of what it
	// set out to do: a Sync with failed recordings (*SyncError), a Prune
	// that left selected recordings in place (PruneResult.Skipped).
	ErrIncomplete = errors.New("mirror: not everything was applied")
)

// UnsafeError reports a path or archive entry that was refused. Name is the
// offending name as found (quoted with %q in the message), Reason says why.
type UnsafeError struct {
	Name   string
	Reason string
}

// Error implements error.
func (e *UnsafeError) Error() string {
	return fmt.Sprintf("mirror: unsafe entry %q: %s", e.Name, e.Reason)
}

// Is makes errors.Is(err, ErrUnsafe) true; a size refusal also matches ErrTooLarge.
func (e *UnsafeError) Is(target error) bool {
	return target == ErrUnsafe || (target == ErrTooLarge && strings.Contains(e.Reason, "limit"))
}

// MetadataError reports a metadata.xml that is missing or does not describe
// the recording and format it sits in.
type MetadataError struct {
	RecordID string
	Format   string
	Reason   string
	Err      error // the XML decoding error, if any
}

// Error implements error.
func (e *MetadataError) Error() string {
	msg := "mirror: " + e.Format + "/" + e.RecordID + "/metadata.xml: " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Is makes errors.Is(err, ErrMetadata) true.
func (e *MetadataError) Is(target error) bool { return target == ErrMetadata }

// Unwrap returns the decoding error.
func (e *MetadataError) Unwrap() error { return e.Err }

// VerifyError reports a file whose transferred bytes do not match the
// manifest. The hashes are public content digests, not secrets.
type VerifyError struct {
	Path            string // format/recordID/path
	WantSize        int64
	GotSize         int64
	WantSHA, GotSHA string
}

// Error implements error.
func (e *VerifyError) Error() string {
	if e.WantSize != e.GotSize {
		return fmt.Sprintf("mirror: %s: size %d, want %d", e.Path, e.GotSize, e.WantSize)
	}
	return fmt.Sprintf("mirror: %s: sha256 %s, want %s", e.Path, e.GotSHA, e.WantSHA)
}

// Is makes errors.Is(err, ErrVerify) true.
func (e *VerifyError) Is(target error) bool { return target == ErrVerify }

// The transport types of bbbkit's shared HTTP core, as every bbbkit client
// names them: errors.As with one of them matches an error of any client.
type (
	// TransportError is a request to an export endpoint that got no
	// complete answer; its URL is redacted.
	TransportError = httpcore.TransportError
	// DecodeError is an answer that cannot be read (past a size cap).
	DecodeError = httpcore.DecodeError
	// RetryPolicy says how WithRetry retries a request.
	RetryPolicy = httpcore.RetryPolicy
	// RequestInfo is what WithObserver reports about each attempt.
	RequestInfo = httpcore.RequestInfo
)

// HTTPError is a non-success answer from an export endpoint.
type HTTPError struct {
	Op         string // "manifest" or "file"
	StatusCode int
	Message    string // the server's short error text, redacted
}

// Error implements error.
func (e *HTTPError) Error() string {
	return fmt.Sprintf("mirror: %s: HTTP %d: %s", e.Op, e.StatusCode, e.Message)
}

// Is maps 401/403 to ErrUnauthorized and 404 to ErrNotFound.
func (e *HTTPError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == 401 || e.StatusCode == 403
	case ErrNotFound:
		return e.StatusCode == 404
	case ErrSourceChanged:
		return e.StatusCode == 412
	}
	return false
}

// SkippedError is a recording an export endpoint left out of its manifest,
// with the endpoint's reason. It matches ErrUnsafe, as the endpoint leaves
// out only recordings it refuses to serve.
type SkippedError struct {
	RecordID string
	Reason   string
}

// Error implements error.
func (e *SkippedError) Error() string {
	return "mirror: the export endpoint left out recording " + e.RecordID + ": " + e.Reason
}

// Is makes errors.Is(err, ErrUnsafe) true.
func (e *SkippedError) Is(target error) bool { return target == ErrUnsafe }

// RecordingError is the failure of one recording during a Sync.
type RecordingError struct {
	RecordID string
	Err      error
}

// Error implements error.
func (e *RecordingError) Error() string {
	return "mirror: recording " + e.RecordID + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *RecordingError) Unwrap() error { return e.Err }

// SyncError is returned by Sync when some recordings failed; the others were
// mirrored. errors.Is and errors.As look through every failure.
type SyncError struct {
	Failed []*RecordingError
}

// Error implements error.
func (e *SyncError) Error() string {
	if len(e.Failed) == 1 {
		return e.Failed[0].Error()
	}
	return fmt.Sprintf("mirror: %d recordings failed; first: %v", len(e.Failed), e.Failed[0])
}

// Is makes errors.Is(err, ErrIncomplete) true.
func (e *SyncError) Is(target error) bool { return target == ErrIncomplete }

// Unwrap returns every recording failure.
func (e *SyncError) Unwrap() []error {
	out := make([]error, len(e.Failed))
	for i, f := range e.Failed {
		out[i] = f
	}
	return out
}
