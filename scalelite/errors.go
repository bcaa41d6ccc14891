package scalelite

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/bbbkit/bbbkit/internal/httpcore"
)

// Error is a failure Scalelite reported, in either of its two forms:
//
//   - BigBlueButton-style XML with HTTP 200 (authentication and content-type
//     failures): Key holds the messageKey, such as "checksumError";
//   - JSON with a 4xx status (everything else): StatusCode holds the status
//     and Message the "error" or "message" field; Key is empty.
//
// Use errors.Is with the Err* sentinels rather than comparing fields.
// Message never holds the secrets the client knows about: the balancer
// secret and any server or tenant secret sent in the request are replaced by
// "REDACTED", like every credential the redactor recognizes.
type Error struct {
	Call       string // admin API action, such as "getServerInfo"
	StatusCode int    // HTTP status of the answer
	Key        string // messageKey of an XML answer; empty for JSON errors
	Message    string // message from Scalelite
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("scalelite: ")
	b.WriteString(e.Call)
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
	} else {
		b.WriteString("HTTP ")
		b.WriteString(strconv.Itoa(e.StatusCode))
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Is matches the sentinels: ErrChecksum and ErrUnsupportedContentType and
// ErrUnsupportedRequest by messageKey, ErrNotFound by status 404 (or key
// notFound), ErrInvalid by status 400 or 422, ErrMultitenancyDisabled by
// status 412.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrChecksum:
		return strings.EqualFold(e.Key, "checksumError")
	case ErrUnsupportedContentType:
		return strings.EqualFold(e.Key, "unsupportedContentType")
	case ErrUnsupportedRequest:
		return strings.EqualFold(e.Key, "unsupportedRequest")
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound && e.Key == "" || strings.EqualFold(e.Key, "notFound")
	case ErrInvalid:
		return e.Key == "" && (e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnprocessableEntity)
	case ErrMultitenancyDisabled:
		return e.Key == "" && e.StatusCode == http.StatusPreconditionFailed
	}
	return false
}

type sentinel string

func (s sentinel) Error() string { return "scalelite: " + string(s) }

// Sentinels for errors.Is.
var (
	// ErrChecksum: Scalelite refused the checksum (wrong balancer secret, or an
	// algorithm not in LOADBALANCER_CHECKSUM_ALGORITHM).
	ErrChecksum error = sentinel("checksum refused")
	// ErrUnsupportedContentType: a POST body that is not application/json.
	ErrUnsupportedContentType error = sentinel("unsupported content type")
	// ErrUnsupportedRequest: the action does not exist on this Scalelite
	// (the admin API arrived in Scalelite 1.5.1).
	ErrUnsupportedRequest error = sentinel("unsupported request")
	// ErrNotFound: no server or tenant with that id.
	ErrNotFound error = sentinel("not found")
	// ErrInvalid: Scalelite refused the request's parameters, or the client
	// refused them before sending (then the error is an *ParamError).
	ErrInvalid error = sentinel("invalid request")
	// ErrMultitenancyDisabled: a tenant call to a Scalelite running without
	// MULTITENANCY_ENABLED.
	ErrMultitenancyDisabled error = sentinel("multitenancy is disabled")
)

// ParamError is a request the client refused to send because a parameter
// or option is missing or malformed. The client's errors match ErrInvalid.
// It is the argument-error type of every bbbkit client (bbb.ParamError).
type ParamError = httpcore.ParamError

// invalid returns the *ParamError of a refused parameter.
func invalid(action, param, msg string) error {
	return &ParamError{Service: "scalelite", Call: action, Param: param, Msg: msg, Kind: ErrInvalid}
}

// TransportError is a request that got no HTTP answer: DNS, TCP, TLS,
// timeout or cancellation. URL is the action's URL without its query. It
// is the type of every bbbkit client (bbb.TransportError).
type TransportError = httpcore.TransportError

// HTTPError is an answer that is neither Scalelite's XML nor its JSON, such
// as an HTML error page from a proxy; Snippet holds the start of the body,
// redacted. It is the type of every bbbkit client (bbb.HTTPError).
type HTTPError = httpcore.HTTPError

// DecodeError is a successful status whose body is not what the action
// returns: malformed JSON, a wrong shape, or a body over the size limit. It
// is the type of every bbbkit client (bbb.DecodeError).
type DecodeError = httpcore.DecodeError

// decodeError returns the *DecodeError of an answer a method could not
// read after do accepted it.
func (c *Client) decodeError(action string, err error) error {
	return &DecodeError{Service: "scalelite", Call: action, URL: c.base + action, Err: err}
}
