package httpcore

import (
	"errors"
	"fmt"
	"net/url"
)

// TransportError is a request that got no complete HTTP answer: DNS, TCP,
// TLS, a timeout, a cancellation, or a connection lost while the body was
// read. URL is redacted; Err never holds the request URL (see ScrubURLError).
type TransportError struct {
	Service string // "bbb", "scalelite", "greenlight": the client that sent it
	Call    string // the operation: an API call, admin action, or "METHOD path"
	URL     string // redacted
	Err     error
}

// Error implements error.
func (e *TransportError) Error() string {
	return prefix(e.Service, e.Call) + "request to " + e.URL + " failed: " + errText(e.Err)
}

// Unwrap returns the cause (for errors.Is with context.Canceled,
// context.DeadlineExceeded and net errors).
func (e *TransportError) Unwrap() error { return e.Err }

// HTTPError is an answer with a status the call does not expect, typically
// an HTML error page from a proxy. Snippet holds the start of the body,
// redacted.
type HTTPError struct {
	Service     string
	Call        string
	URL         string // redacted
	StatusCode  int
	ContentType string
	Snippet     string // at most SnippetBytes of the body, redacted
}

// Error implements error.
func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("%sunexpected HTTP status %d from %s", prefix(e.Service, e.Call), e.StatusCode, e.URL)
	if e.ContentType != "" {
		msg += " (" + e.ContentType + ")"
	}
	return msg
}

// DecodeError is an answer the client cannot read: not the XML or JSON the
// call returns, a wrong shape, or larger than the response size cap.
type DecodeError struct {
	Service string
	Call    string
	URL     string // redacted
	Err     error
}

// Error implements error.
func (e *DecodeError) Error() string {
	return prefix(e.Service, e.Call) + "cannot decode response from " + e.URL + ": " + errText(e.Err)
}

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// ErrResponseTooLarge is wrapped by a DecodeError (or returned by a stream's
// Read) when an answer exceeds the client's response size cap.
var ErrResponseTooLarge = errors.New("response too large")

// ParamError is an argument a client refused before sending anything: a bad
// constructor option, a missing or malformed parameter.
type ParamError struct {
	Service string
	Call    string // the method or constructor, such as "New" or "create"
	Param   string // the offending parameter or option
	Msg     string // what is wrong with it
	// Kind, when set, is a package sentinel the error matches with
	// errors.Is (scalelite.ErrInvalid).
	Kind error
}

// Error implements error.
func (e *ParamError) Error() string {
	return prefix(e.Service, e.Call) + "parameter " + e.Param + ": " + e.Msg
}

// Is matches Kind.
func (e *ParamError) Is(target error) bool { return e.Kind != nil && target == e.Kind }

// prefix renders "service: call: ", with "bbbkit" for an unnamed service.
func prefix(service, call string) string {
	if service == "" {
		service = "bbbkit"
	}
	if call == "" {
		return service + ": "
	}
	return service + ": " + call + ": "
}

func errText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// ParseAbsoluteURL parses raw as an absolute http or https URL with a host,
// the one check every bbbkit package applies to a URL it is given.
func ParseAbsoluteURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errNotAbsolute
	}
	return u, nil
}

var errNotAbsolute = errors.New("need an absolute http or https URL")

// ScrubURLError drops the *url.Error wrapper net/http puts around transport
// errors: its message holds the full request URL, checksum included. The
// cause is kept.
func ScrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
