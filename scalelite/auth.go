package scalelite

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/internal/httpcore"
)

// Query parameters of the strong admin scheme (see the package
// documentation, "Authentication").
const (
	// ParamBodySHA256 carries hex(SHA-256(body)), lower-case, of the body
	// exactly as sent (the digest of no bytes for a request without a body).
	ParamBodySHA256 = "bodySHA256"
	// ParamExpires carries the expiry of the request in Unix seconds.
	ParamExpires = "expires"
)

const (
	// DefaultAuthValidity is how long a request signed by Client stays
	// valid: a captured request can be replayed (with its own body) for
	// this long at most.
	DefaultAuthValidity = 5 * time.Minute
	// MaxAuthValidity is the furthest in the future an expiry may lie for
	// VerifyAdminQuery to accept it (clock skew included), so that a signer
	// cannot mint a request that replays for ever.
	MaxAuthValidity = 10 * time.Minute
)

// AuthScheme says how an admin request was signed.
type AuthScheme int

// The admin authentication schemes.
const (
	// AuthLegacy is Scalelite's scheme: the checksum covers the action and
	// the query only, so a captured POST replays for ever with any body.
	AuthLegacy AuthScheme = iota + 1
	// AuthStrong is bbbkit's scheme: the same checksum over a query that
	// also holds bodySHA256 and expires, so a captured request replays only
	// until it expires and only with its own body.
	AuthStrong
)

// String returns "legacy" or "strong".
func (s AuthScheme) String() string {
	switch s {
	case AuthLegacy:
		return "legacy"
	case AuthStrong:
		return "strong"
	}
	return "none"
}

// Errors of VerifyAdminQuery and AdminAuth.VerifyBody, for errors.Is. A
// wrong or missing checksum is a *checksum.Error (checksum.ErrChecksum).
var (
	// ErrRequestExpired: a strong request whose expires lies in the past.
	ErrRequestExpired error = sentinel("admin request expired")
	// ErrBodyMismatch: the body differs from the signed bodySHA256.
	ErrBodyMismatch error = sentinel("admin request body does not match its signed digest")
	// ErrInvalidAuth: bodySHA256 or expires missing, repeated or malformed
	// while the other is present, or an expiry beyond MaxAuthValidity.
	ErrInvalidAuth error = sentinel("admin request authentication parameters invalid")
)

// WithLegacyAuth makes the client sign the way Scalelite documents it, with
// no bodySHA256 and expires parameters. It is not needed for Scalelite
// itself, which hashes the raw query including those parameters and accepts
// them; use it only when something between the client and the balancer
// drops unknown query parameters.
func WithLegacyAuth() Option {
	return httpcore.Own("WithLegacyAuth", func(c *Client) error {
		c.auth.legacy = true
		return nil
	})
}

// adminAuth is the signing configuration of a Client. Its zero value signs
// with the strong scheme and DefaultAuthValidity.
type adminAuth struct {
	legacy bool
}

// sign returns the query to send: rawQuery plus, unless legacy, bodySHA256
// and expires, then checksum. (The HTTP core keeps the checksum parameter
// out of errors and logs, like every secret parameter of the URL.)
func (c *Client) sign(action, rawQuery string, body []byte) string {
	if !c.auth.legacy {
		rawQuery = StrongAuthQuery(rawQuery, body, time.Now().Add(DefaultAuthValidity))
	}
	sum := checksum.Sum(c.alg, action, rawQuery, c.secret)
	if rawQuery == "" {
		return "checksum=" + sum
	}
	return rawQuery + "&checksum=" + sum
}

// StrongAuthQuery appends the strong-scheme parameters to an encoded query:
// bodySHA256 (the digest of body) and expires (expires in Unix seconds).
// Signing the result the Scalelite way, hex(H(action + query + secret)),
// gives a strong request.
func StrongAuthQuery(rawQuery string, body []byte, expires time.Time) string {
	digest := sha256.Sum256(body)
	var b strings.Builder
	b.Grow(len(rawQuery) + len(ParamBodySHA256) + len(ParamExpires) + 2*sha256.Size + 24)
	b.WriteString(rawQuery)
	if rawQuery != "" {
		b.WriteByte('&')
	}
	b.WriteString(ParamBodySHA256)
	b.WriteByte('=')
	b.WriteString(hex.EncodeToString(digest[:]))
	b.WriteByte('&')
	b.WriteString(ParamExpires)
	b.WriteByte('=')
	b.WriteString(strconv.FormatInt(expires.Unix(), 10))
	return b.String()
}

// AdminAuth is what VerifyAdminQuery found in a request's query.
type AdminAuth struct {
	// Scheme is how the request was signed.
	Scheme AuthScheme
	// Expires is the signed expiry of a strong request (zero for
	// AuthLegacy).
	Expires time.Time

	bodySum [sha256.Size]byte
}

// VerifyAdminQuery checks the query of an admin request before its body is
// read, so that an unauthenticated client cannot make the server read a
// body: the checksum over action and rawQuery (exactly as received) with
// the balancer secret, by one of the allowed algorithms (all four when none
// is given), and, for a strong request, that it has not expired at now
// and does not expire more than MaxAuthValidity after now. Call VerifyBody
// on the result once the body is read. A request with neither bodySHA256
// nor expires is AuthLegacy; refusing it is the caller's choice.
func VerifyAdminQuery(action, rawQuery, secret string, now time.Time, allowed ...checksum.Algorithm) (*AdminAuth, error) {
	if err := checksum.Verify(action, rawQuery, secret, allowed...); err != nil {
		return nil, err
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, fmt.Errorf("%w: query does not parse", ErrInvalidAuth)
	}
	digests, expiries := q[ParamBodySHA256], q[ParamExpires]
	if len(digests) == 0 && len(expiries) == 0 {
		return &AdminAuth{Scheme: AuthLegacy}, nil
	}
	if len(digests) != 1 || len(expiries) != 1 {
		return nil, fmt.Errorf("%w: need exactly one %s and one %s", ErrInvalidAuth, ParamBodySHA256, ParamExpires)
	}
	a := &AdminAuth{Scheme: AuthStrong}
	if n, err := hex.Decode(a.bodySum[:], []byte(digests[0])); err != nil || n != sha256.Size || len(digests[0]) != 2*sha256.Size {
		return nil, fmt.Errorf("%w: %s is not a SHA-256 hex digest", ErrInvalidAuth, ParamBodySHA256)
	}
	unix, err := strconv.ParseInt(expiries[0], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not a Unix time in seconds", ErrInvalidAuth, ParamExpires)
	}
	a.Expires = time.Unix(unix, 0)
	switch {
	case now.After(a.Expires):
		return nil, ErrRequestExpired
	case a.Expires.Sub(now) > MaxAuthValidity:
		return nil, fmt.Errorf("%w: %s more than %s ahead", ErrInvalidAuth, ParamExpires, MaxAuthValidity)
	}
	return a, nil
}

// VerifyBody checks a strong request's body against its signed digest
// (in constant time); it accepts any body of an AuthLegacy request, whose
// checksum does not cover it.
func (a *AdminAuth) VerifyBody(body []byte) error {
	if a == nil {
		return errors.New("scalelite: VerifyBody on a nil AdminAuth")
	}
	if a.Scheme != AuthStrong {
		return nil
	}
	got := sha256.Sum256(body)
	if subtle.ConstantTimeCompare(got[:], a.bodySum[:]) != 1 {
		return ErrBodyMismatch
	}
	return nil
}
