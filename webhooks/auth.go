package webhooks

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// AuthMethod tells how a delivery was authenticated.
type AuthMethod int

// The ways bbb-webhooks authenticates a callback.
const (
	// AuthChecksum: a checksum query parameter equal to
	// hex(H(callbackURL + body + secret)), as sent by bbb-webhooks 3.4 and
	// later (the default mode of bbb-webhooks).
	AuthChecksum AuthMethod = iota + 1
	// AuthBearer: an "Authorization: Bearer <shared secret>" header, sent
	// when bbb-webhooks runs with auth2_0 (BEARER_AUTH) enabled.
	AuthBearer
	// AuthLegacyChecksum: the constant checksum hex(H(callbackURL + "{}" +
	// secret)) of bbb-webhooks 3.0 to 3.3. It proves the sender knows the
	// secret but does not cover the body, so the body is unauthenticated:
	// anyone who saw one delivery can send any body with that checksum.
	AuthLegacyChecksum
)

// String returns "checksum", "bearer" or "legacy-checksum".
func (m AuthMethod) String() string {
	switch m {
	case AuthChecksum:
		return "checksum"
	case AuthBearer:
		return "bearer"
	case AuthLegacyChecksum:
		return "legacy-checksum"
	}
	return "none"
}

// ErrUnauthenticated matches, with errors.Is, every *AuthError.
var ErrUnauthenticated = errors.New("webhooks: delivery not authenticated")

// AuthError says why a delivery failed authentication. It never contains
// the checksum, the token or the secret, so it is safe to log.
type AuthError struct {
	// Reason is a short, fixed description such as "checksum mismatch".
	Reason string
	// Algorithm is the algorithm detected from the checksum length, if any.
	Algorithm checksum.Algorithm
}

// Error implements error.
func (e *AuthError) Error() string {
	msg := "webhooks: delivery not authenticated: " + e.Reason
	if e.Algorithm.Valid() {
		msg += " (" + e.Algorithm.String() + ")"
	}
	return msg
}

// Is makes errors.Is(err, ErrUnauthenticated) true.
func (e *AuthError) Is(target error) bool { return target == ErrUnauthenticated }

// Sign returns the checksum bbb-webhooks 3.4+ appends to a callback URL:
// hex(H(callbackURL + body + secret)) with H given by alg. callbackURL is the
// URL exactly as registered with hooks/create and body the request body
// exactly as sent. The legacy 3.0–3.3 checksum is Sign(alg, callbackURL,
// []byte("{}"), secret). An invalid algorithm gives "".
func Sign(alg checksum.Algorithm, callbackURL string, body []byte, secret string) string {
	if !alg.Valid() {
		return ""
	}
	var buf [128]byte
	return string(appendSign(buf[:0], alg, callbackURL, body, secret))
}

func appendSign(dst []byte, alg checksum.Algorithm, callbackURL string, body []byte, secret string) []byte {
	h := alg.New()
	h.Write([]byte(callbackURL))
	h.Write(body)
	h.Write([]byte(secret))
	var sum [64]byte
	d := h.Sum(sum[:0])
	n := len(dst)
	dst = append(dst, make([]byte, hex.EncodedLen(len(d)))...)
	hex.Encode(dst[n:], d)
	return dst
}

// Verify checks the checksum of a delivery the way Handler does in
// checksum mode: rawQuery is the query string of the request as received
// (only its checksum parameter is used), callbackURL the URL as registered,
// body the raw body. Only the algorithms in allowed are accepted; with none
// given, all four are. The legacy constant checksum is not accepted. Errors
// are *AuthError.
func Verify(rawQuery, callbackURL string, body []byte, secret string, allowed ...checksum.Algorithm) error {
	v := verifier{callbackURL: callbackURL, secret: secret, allowed: allowed}
	_, err := v.checksum(rawQuery, body)
	return err
}

// verifier holds what authentication needs; Handler builds one.
type verifier struct {
	callbackURL string
	secret      string
	allowed     []checksum.Algorithm // empty: all
	legacy      bool
	bearer      bool
	bearerSum   [sha256.Size]byte
}

func (v *verifier) allows(a checksum.Algorithm) bool {
	if len(v.allowed) == 0 {
		return a.Valid()
	}
	for _, x := range v.allowed {
		if x == a {
			return true
		}
	}
	return false
}

// checksum verifies the checksum parameter of rawQuery.
func (v *verifier) checksum(rawQuery string, body []byte) (AuthMethod, error) {
	sum, _, n := checksum.Split(rawQuery)
	switch {
	case n > 1:
		return 0, &AuthError{Reason: "more than one checksum parameter"}
	case n == 0 || sum == "":
		return 0, &AuthError{Reason: "missing checksum"}
	}
	alg, ok := checksum.Detect(sum)
	if !ok {
		return 0, &AuthError{Reason: "checksum of unknown length"}
	}
	if !v.allows(alg) {
		return 0, &AuthError{Reason: "checksum algorithm not allowed", Algorithm: alg}
	}
	var got [128]byte
	for i := 0; i < len(sum); i++ {
		c := sum[i]
		if 'A' <= c && c <= 'F' {
			c += 'a' - 'A'
		}
		got[i] = c
	}
	var buf [128]byte
	want := appendSign(buf[:0], alg, v.callbackURL, body, v.secret)
	if subtle.ConstantTimeCompare(want, got[:len(sum)]) == 1 {
		return AuthChecksum, nil
	}
	if v.legacy {
		want = appendSign(buf[:0], alg, v.callbackURL, legacyBody, v.secret)
		if subtle.ConstantTimeCompare(want, got[:len(sum)]) == 1 {
			return AuthLegacyChecksum, nil
		}
	}
	return 0, &AuthError{Reason: "checksum mismatch", Algorithm: alg}
}

var legacyBody = []byte("{}")

// bearerToken compares an Authorization header with the secret in constant
// time (both sides are hashed first so their lengths do not leak).
func (v *verifier) bearerToken(header string) (AuthMethod, error) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return 0, &AuthError{Reason: "authorization header is not a bearer token"}
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	if subtle.ConstantTimeCompare(got[:], v.bearerSum[:]) != 1 {
		return 0, &AuthError{Reason: "bearer token mismatch"}
	}
	return AuthBearer, nil
}

// authenticate accepts a delivery if any enabled method verifies it. The
// checksum is tried when the query has one; the bearer token when enabled
// and an Authorization header is present.
func (v *verifier) authenticate(rawQuery, authorization string, body []byte) (AuthMethod, error) {
	var err error
	if strings.Contains(rawQuery, "checksum=") || !v.bearer || authorization == "" {
		var m AuthMethod
		if m, err = v.checksum(rawQuery, body); err == nil {
			return m, nil
		}
	}
	if v.bearer && authorization != "" {
		m, berr := v.bearerToken(authorization)
		if berr == nil {
			return m, nil
		}
		if err == nil {
			err = berr
		}
	}
	if err == nil {
		err = &AuthError{Reason: "missing credentials"}
	}
	return 0, err
}
