package checksum

import (
	"crypto/subtle"
	"errors"
	"strings"
)

// Reason classifies why a checksum was refused.
type Reason int

// The reasons Verify refuses a request.
const (
	// Missing: the query carries no checksum parameter (or an empty one).
	Missing Reason = iota + 1
	// Duplicate: the query carries more than one checksum parameter.
	Duplicate
	// UnknownLength: the checksum is not 40, 64, 96 or 128 characters long.
	UnknownLength
	// NotAllowed: the checksum's algorithm is not in the allowed set.
	NotAllowed
	// Mismatch: the checksum does not match the request.
	Mismatch
)

// String describes the reason in a few words.
func (r Reason) String() string {
	switch r {
	case Missing:
		return "missing checksum"
	case Duplicate:
		return "more than one checksum parameter"
	case UnknownLength:
		return "checksum of unknown length"
	case NotAllowed:
		return "checksum algorithm not allowed"
	case Mismatch:
		return "checksums do not match"
	}
	return "invalid checksum"
}

// Error is returned by Verify. It never contains the checksum, the query or
// the secret, so it is safe to log.
type Error struct {
	Call      string    // the API call that was checked
	Reason    Reason    // why it was refused
	Algorithm Algorithm // the algorithm detected from the length, if any
}

// Error implements error.
func (e *Error) Error() string {
	msg := "checksum: " + e.Call + ": " + e.Reason.String()
	if e.Reason == NotAllowed {
		msg += " (" + e.Algorithm.String() + ")"
	}
	return msg
}

// Is makes errors.Is(err, ErrChecksum) true for every *Error, and
// errors.Is(err, &Error{Reason: r}) true for errors with that reason.
func (e *Error) Is(target error) bool {
	if target == ErrChecksum {
		return true
	}
	t, ok := target.(*Error)
	return ok && t.Reason == e.Reason && (t.Call == "" || t.Call == e.Call)
}

// ErrChecksum matches every verification failure with errors.Is.
var ErrChecksum = errors.New("checksum: verification failed")

// Verify checks the checksum of a request the way bbb-web does: rawQuery is
// the query string exactly as received (still percent-encoded), the single
// checksum parameter is removed from it, and the rest is hashed with the call
// name and the secret using the algorithm given by the checksum's length.
// Only the algorithms in allowed are accepted; with none given, all four are.
// Hex digits are compared case-insensitively in constant time.
func Verify(call, rawQuery, secret string, allowed ...Algorithm) error {
	sum, rest, n := Split(rawQuery)
	switch {
	case n > 1:
		return &Error{Call: call, Reason: Duplicate}
	case n == 0 || sum == "":
		return &Error{Call: call, Reason: Missing}
	}
	alg, ok := Detect(sum)
	if !ok {
		return &Error{Call: call, Reason: UnknownLength}
	}
	if len(allowed) > 0 && !contains(allowed, alg) {
		return &Error{Call: call, Reason: NotAllowed, Algorithm: alg}
	}
	var buf [128]byte
	want := AppendSum(buf[:0], alg, call, rest, secret)
	var got [128]byte
	lowerInto(got[:len(sum)], sum)
	if subtle.ConstantTimeCompare(want, got[:len(sum)]) != 1 {
		return &Error{Call: call, Reason: Mismatch, Algorithm: alg}
	}
	return nil
}

// Split removes the checksum parameter from a raw query string. It returns
// the checksum value (as sent), the query that remains (what was hashed), and
// how many checksum parameters the query had. The remaining query keeps the
// order and encoding of every other parameter.
func Split(rawQuery string) (sum, rest string, n int) {
	if !strings.Contains(rawQuery, "checksum=") {
		return "", rawQuery, 0
	}
	var b strings.Builder
	b.Grow(len(rawQuery))
	q, first := rawQuery, true
	for more := true; more; {
		var part string
		part, q, more = strings.Cut(q, "&")
		if v, ok := strings.CutPrefix(part, "checksum="); ok {
			n++
			if n == 1 {
				sum = v
			}
			continue
		}
		if !first {
			b.WriteByte('&')
		}
		first = false
		b.WriteString(part)
	}
	return sum, b.String(), n
}

func contains(list []Algorithm, a Algorithm) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

func lowerInto(dst []byte, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst[i] = c
	}
}
