package webhooks_test

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// This file is a small, independent model of how bbb-webhooks 3.4+ sends a
// callback (callback-emitter.js): a WHATWG URLSearchParams body with the keys
// domain, event and timestamp in that order, event being "[" + JSON + "]",
// and ?checksum=hex(H(callbackURL + body + secret)) appended to the URL.
// It deliberately does not use the package under test.

const (
	testSecret   = "8cd8ef52e8e101574e400365b55e11a6"
	testCallback = "https://portal.example.org/bbb/events?tenant=east"
	testDomain   = "bbb.example.org"
	testTS       = int64(1764100000000)
)

// formEncode is the application/x-www-form-urlencoded serializer of the URL
// standard, which URLSearchParams.toString uses: it leaves *-._ and
// alphanumerics alone, turns spaces into '+' and percent-encodes every other
// byte of the UTF-8 encoding with upper-case hex.
func formEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			b.WriteByte('+')
		case c == '*' || c == '-' || c == '.' || c == '_',
			'0' <= c && c <= '9', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// deliveryBody builds the body bbb-webhooks sends for one event (a JSON
// object) at timestamp ts.
func deliveryBody(eventJSON string, ts int64) string {
	return "domain=" + formEncode(testDomain) +
		"&event=" + formEncode("["+eventJSON+"]") +
		"&timestamp=" + strconv.FormatInt(ts, 10)
}

func newHash(alg checksum.Algorithm) hash.Hash {
	switch alg {
	case checksum.SHA1:
		return sha1.New()
	case checksum.SHA256:
		return sha256.New()
	case checksum.SHA384:
		return sha512.New384()
	default:
		return sha512.New()
	}
}

// refSum computes hex(H(callbackURL + body + secret)) with the standard
// library only.
func refSum(alg checksum.Algorithm, callbackURL, body, secret string) string {
	h := newHash(alg)
	h.Write([]byte(callbackURL + body + secret))
	return hex.EncodeToString(h.Sum(nil))
}

// signedURL appends the checksum the way callback-emitter.js does: "?" when
// the URL has no query yet, "&" otherwise.
func signedURL(callbackURL, sum string) string {
	sep := "?"
	if strings.Contains(callbackURL, "?") {
		sep = "&"
	}
	return callbackURL + sep + "checksum=" + sum
}

// postDelivery returns a signed POST request carrying body.
func postDelivery(alg checksum.Algorithm, callbackURL, body, secret string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, signedURL(callbackURL, refSum(alg, callbackURL, body, secret)), strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
	return r
}

// readFixture returns a testdata file without its trailing newline.
func readFixture(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimRight(string(b), "\n")
}
