package scalelite

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// withoutStrongAuth verifies a request the client sent with the strong
// scheme and returns its query without checksum, bodySHA256 and expires.
func withoutStrongAuth(t *testing.T, action, rawQuery string, body []byte) string {
	t.Helper()
	auth, err := VerifyAdminQuery(action, rawQuery, testSecret, time.Now())
	if err != nil {
		t.Fatalf("VerifyAdminQuery(action, rawQuery, testSecret, time.Now()): %v", err)
	}
	if auth.Scheme != AuthStrong {
		t.Fatalf("auth.Scheme = %v; want %v", auth.Scheme, AuthStrong)
	}
	if err := auth.VerifyBody(body); err != nil {
		t.Fatalf("auth.VerifyBody(body): %v", err)
	}
	_, rest, _ := checksum.Split(rawQuery)
	var keep []string
	for _, kv := range strings.Split(rest, "&") {
		if !strings.HasPrefix(kv, ParamBodySHA256+"=") && !strings.HasPrefix(kv, ParamExpires+"=") {
			keep = append(keep, kv)
		}
	}
	return strings.Join(keep, "&")
}

// Scalelite documents the admin checksum as hex(SHA(action + query +
// secret)); these sums were computed outside Go (sha256sum, sha1sum).
func TestScaleliteDocumentedVectorsStillVerify(t *testing.T) {
	t.Parallel()
	const secret = "scalelite-doc-secret"
	now := time.Unix(1_800_000_000, 0)
	for _, tt := range []struct{ action, query string }{
		{"getServers", "checksum=1921f06c84bec7d75dd3abb9bdb052f5dfd7d828b2ebd7e8307e5d649f1586a0"},
		{"getServers", "checksum=d41438be6f76d7968630c4a6937416fad313ed2a"},
		{"getServerInfo", "id=bbb1&checksum=1e56ddf5c64f3d4cb3a599e3c98be650130eeed99f1c65a6a52998f774d357c9"},
	} {
		auth, err := VerifyAdminQuery(tt.action, tt.query, secret, now)
		if err != nil {
			t.Fatalf("VerifyAdminQuery(tt.action, tt.query, secret, now): %v (%s)", err, tt.query)
		}
		if auth.Scheme != AuthLegacy {
			t.Errorf("auth.Scheme = %v; want %v", auth.Scheme, AuthLegacy)
		}
		if err := auth.VerifyBody([]byte(`{"any":"body"}`)); err != nil {
			t.Errorf("auth.VerifyBody([]byte(`{\"any\":\"body\"}`)): %v (the legacy checksum does not cover the body)", err)
		}
	}
	c, err := New("https://sl.example.org", secret, WithLegacyAuth())
	if err != nil {
		t.Fatalf("New(\"https://sl.example.org\", secret, WithLegacyAuth()): %v", err)
	}
	if got := c.SignedURL("getServerInfo", url.Values{"id": {"bbb1"}}); got != "https://sl.example.org/scalelite/api/getServerInfo?id=bbb1&checksum=1e56ddf5c64f3d4cb3a599e3c98be650130eeed99f1c65a6a52998f774d357c9" {
		t.Errorf("c.SignedURL(\"getServerInfo\", url.Values{\"id\": {\"bbb1\"}}) = %q; want %q", got, "https://sl.example.org/scalelite/api/getServerInfo?id=bbb1&checksum=1e56ddf5c64f3d4cb3a599e3c98be650130eeed99f1c65a6a52998f774d357c9")
	}
}

// The strong scheme is Scalelite's formula over a longer query, so the
// exact string hashed is action + query + bodySHA256 + expires + secret.
func TestStrongSchemeHashesTheDocumentedString(t *testing.T) {
	t.Parallel()
	body := []byte(`{"id":"s1","server":{"state":"disable"}}`)
	exp := time.Unix(1_800_000_300, 0)
	q := StrongAuthQuery("", body, exp)
	digest := sha256.Sum256(body)
	if q != "bodySHA256="+hex.EncodeToString(digest[:])+"&expires=1800000300" {
		t.Errorf("q = %q; want %q", q, "bodySHA256="+hex.EncodeToString(digest[:])+"&expires=1800000300")
	}
	if got := StrongAuthQuery("id=s1", body, exp); got != "id=s1&bodySHA256="+hex.EncodeToString(digest[:])+"&expires=1800000300" {
		t.Errorf("StrongAuthQuery(\"id=s1\", body, exp) = %q; want %q", got, "id=s1&bodySHA256="+hex.EncodeToString(digest[:])+"&expires=1800000300")
	}
	sum := checksum.Sum(checksum.SHA256, "updateServer", q, testSecret)
	want := sha256.Sum256([]byte("updateServer" + q + testSecret))
	if wantSum := hex.EncodeToString(want[:]); sum != wantSum {
		t.Errorf("sum = %v; want %v", sum, wantSum)
	}

	auth, err := VerifyAdminQuery("updateServer", q+"&checksum="+sum, testSecret, exp.Add(-time.Minute))
	if err != nil {
		t.Fatalf("VerifyAdminQuery(...): %v", err)
	}
	if auth.Scheme != AuthStrong {
		t.Errorf("auth.Scheme = %v; want %v", auth.Scheme, AuthStrong)
	}
	if auth.Expires != exp {
		t.Errorf("auth.Expires = %v; want %v", auth.Expires, exp)
	}
	if err := auth.VerifyBody(body); err != nil {
		t.Errorf("auth.VerifyBody(body): %v", err)
	}
}

func TestVerifyAdminQueryRefusals(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"s1"}`)
	digest := sha256.Sum256(body)
	hexDigest := hex.EncodeToString(digest[:])
	sign := func(q string) string {
		return q + "&checksum=" + checksum.Sum(checksum.SHA256, "deleteServer", q, testSecret)
	}
	exp := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	tests := []struct {
		name  string
		query string
		want  error
	}{
		{"expired", sign("bodySHA256=" + hexDigest + "&expires=" + exp(-time.Second)), ErrRequestExpired},
		{"expiry too far ahead", sign("bodySHA256=" + hexDigest + "&expires=" + exp(MaxAuthValidity+time.Minute)), ErrInvalidAuth},
		{"digest without expiry", sign("bodySHA256=" + hexDigest), ErrInvalidAuth},
		{"expiry without digest", sign("expires=" + exp(time.Minute)), ErrInvalidAuth},
		{"two expiries", sign("bodySHA256=" + hexDigest + "&expires=" + exp(time.Minute) + "&expires=" + exp(time.Minute)), ErrInvalidAuth},
		{"short digest", sign("bodySHA256=" + hexDigest[:62] + "&expires=" + exp(time.Minute)), ErrInvalidAuth},
		{"expiry not a number", sign("bodySHA256=" + hexDigest + "&expires=soon"), ErrInvalidAuth},
		{"expiry moved after signing", strings.Replace(sign("bodySHA256="+hexDigest+"&expires="+exp(time.Minute)), exp(time.Minute), exp(2*time.Minute), 1), checksum.ErrChecksum},
		{"no checksum", "bodySHA256=" + hexDigest + "&expires=" + exp(time.Minute), checksum.ErrChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := VerifyAdminQuery("deleteServer", tt.query, testSecret, now)
			if !errors.Is(err, tt.want) {
				t.Fatalf("VerifyAdminQuery(\"deleteServer\", tt.query, testSecret, now) = %v; want tt.want", err)
			}
			if got := err.Error(); strings.Contains(got, testSecret) {
				t.Errorf("err.Error() = %q; want it not to contain %q", got, testSecret)
			}
		})
	}
	auth, err := VerifyAdminQuery("deleteServer", sign("bodySHA256="+hexDigest+"&expires="+exp(time.Minute)), testSecret, now)
	if err != nil {
		t.Fatalf("VerifyAdminQuery(...): %v", err)
	}
	if err := auth.VerifyBody(body); err != nil {
		t.Errorf("auth.VerifyBody(body): %v", err)
	}
	if err := auth.VerifyBody([]byte(`{"id":"s2"}`)); !errors.Is(err, ErrBodyMismatch) {
		t.Errorf("auth.VerifyBody([]byte(`{\"id\":\"s2\"}`)) = %v; want ErrBodyMismatch", err)
	}
	if err := auth.VerifyBody(nil); !errors.Is(err, ErrBodyMismatch) {
		t.Errorf("auth.VerifyBody(nil) = %v; want ErrBodyMismatch", err)
	}
}

func TestClientSignsStrongByDefault(t *testing.T) {
	t.Parallel()
	c, rec := adminServer(t, 200, "application/json", serverJSON)
	before := time.Now()
	_, err := c.UpdateServer(context.Background(), "s1", &UpdateServerParams{State: StateDisabled})
	if err != nil {
		t.Fatalf("c.UpdateServer(...): %v", err)
	}
	auth, err := VerifyAdminQuery("updateServer", rec.rawQuery, testSecret, time.Now())
	if err != nil {
		t.Fatalf("VerifyAdminQuery(\"updateServer\", rec.rawQuery, testSecret, time.Now()): %v", err)
	}
	if auth.Scheme != AuthStrong {
		t.Errorf("auth.Scheme = %v; want %v", auth.Scheme, AuthStrong)
	}
	if err := auth.VerifyBody(rec.body); err != nil {
		t.Errorf("auth.VerifyBody(rec.body): %v", err)
	}
	if d := auth.Expires.Sub(before.Add(DefaultAuthValidity)); d < -2*time.Second || d > 2*time.Second {
		t.Errorf("auth.Expires = %v; want within 2s of %v", auth.Expires, before.Add(DefaultAuthValidity))
	}

	legacy, err := New(c.BaseURL(), testSecret, WithLegacyAuth(), bbb.WithHTTPClient(c.http.Config().HTTPClient))
	if err != nil {
		t.Fatalf("New(...): %v", err)
	}
	_, err = legacy.UpdateServer(context.Background(), "s1", &UpdateServerParams{State: StateDisabled})
	if err != nil {
		t.Fatalf("legacy.UpdateServer(...): %v", err)
	}
	if strings.Contains(rec.rawQuery, ParamBodySHA256) {
		t.Errorf("rec.rawQuery = %q; want it not to contain %q", rec.rawQuery, ParamBodySHA256)
	}
	if strings.Contains(rec.rawQuery, ParamExpires) {
		t.Errorf("rec.rawQuery = %q; want it not to contain %q", rec.rawQuery, ParamExpires)
	}
}

// A balancer verifies the query before reading the body, then the body.
func ExampleVerifyAdminQuery() {
	const secret = "balancer-secret"
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"bbb1","server":{"state":"cordon"}}`)

	// What scalelite.Client sends for updateServer.
	query := StrongAuthQuery("", body, now.Add(DefaultAuthValidity))
	query += "&checksum=" + checksum.Sum(checksum.SHA256, "updateServer", query, secret)

	auth, err := VerifyAdminQuery("updateServer", query, secret, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(auth.Scheme, auth.Expires.Unix())
	fmt.Println(auth.VerifyBody(body))
	fmt.Println(auth.VerifyBody([]byte(`{"id":"bbb1","server":{"state":"disable"}}`)))
	_, err = VerifyAdminQuery("updateServer", query, secret, now.Add(time.Hour))
	fmt.Println(err)
	// Output:
	// strong 1800000300
	// <nil>
	// scalelite: admin request body does not match its signed digest
	// scalelite: admin request expired
}
