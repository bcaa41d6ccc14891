package httpcore

import (
	"errors"
	"time"
)

// RequestInfo describes one finished attempt of a request, for observers
// (metrics).
type RequestInfo struct {
	Service  string        // "bbb", "scalelite", "greenlight"
	Call     string        // the operation, as in errors
	Method   string        // GET, POST, ...
	Attempt  int           // 1 for the first try
	Status   int           // HTTP status, 0 when there was no answer
	Duration time.Duration // time to the complete answer
	Err      error         // nil on success
}

// Outcome classifies the attempt: "success"; "http_error",
// "transport_error" or "decode_error" for the error types of this package;
// "error" for a *ParamError; and "failed" for an answer the server sent to
// refuse the call (*bbb.Error, *scalelite.Error, *greenlight.APIError).
func (r RequestInfo) Outcome() string { return Outcome(r.Err) }

// Outcome classifies err as RequestInfo.Outcome does.
func Outcome(err error) string {
	var (
		he *HTTPError
		te *TransportError
		de *DecodeError
		pe *ParamError
	)
	switch {
	case err == nil:
		return "success"
	case errors.As(err, &he):
		return "http_error"
	case errors.As(err, &te):
		return "transport_error"
	case errors.As(err, &de):
		return "decode_error"
	case errors.As(err, &pe):
		return "error"
	}
	return "failed"
}
