package bbbtest

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// TestNoSecretsLeak checks that answers to refused requests, errors,
// control answers and the delivery log never carry the secret, a checksum
// or a session token.
func TestNoSecretsLeak(t *testing.T) {
	t.Parallel()
	const secret = "TopSecretSharedSalt-4711"
	s := newTestServer(t, WithSecret(secret), WithWebhookRetry())
	var leaks []string
	check := func(what, text string, forbidden ...string) {
		for _, f := range append(forbidden, secret) {
			if f != "" && strings.Contains(text, f) {
				leaks = append(leaks, what)
			}
		}
	}
	query := q("meetingID", "m")
	good := checksum.Sum(checksum.SHA256, "getMeetingInfo", query, secret)
	wrong := checksum.Sum(checksum.SHA256, "getMeetingInfo", query, "other")
	req, _ := http.NewRequest(http.MethodGet, s.APIURL()+"getMeetingInfo?"+query+"&checksum="+wrong, nil)
	check("checksumError answer", string(do(t, s, req).body), good, wrong)

	// A hook whose callback cannot be reached: the delivery log must not
	// show the signed URL.
	hookCreate(t, s, "callbackURL", "http://127.0.0.1:1/unreachable")
	expectKey(t, get(t, s, "create", q("name", "Leak", "meetingID", "leak")), "SUCCESS", "")
	waitFor(t, "failed delivery", func() bool { return len(s.Deliveries()) == 1 })
	d := s.Deliveries()[0]
	if d.Delivered || d.Err == "" {
		t.Fatalf("delivery %+v", d)
	}
	check("delivery error", d.Err+d.CallbackURL, "checksum=")

	ju, err := s.Join("leak", User{FullName: "A", Role: "VIEWER"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Join("nope", User{FullName: "A"})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("join unknown meeting: %v", err)
	}
	check("join error", err.Error(), ju.SessionToken)
	check("leave error", s.Leave("leak", "nobody").Error(), ju.SessionToken)
	for _, opt := range []Option{WithSecret(" " + secret), WithPermanentHook(":"+secret, false)} {
		if _, err := New(opt); err != nil {
			check("option error", err.Error())
		}
	}
	status, out := control(t, s, http.MethodPost, "join", nil, secret[:5])
	if status != http.StatusUnauthorized {
		t.Errorf("control with a wrong secret: %d", status)
	}
	check("control 401", out["error"].(string))
	time.Sleep(time.Millisecond)
	if len(leaks) > 0 {
		t.Errorf("secrets leaked in: %v", leaks)
	}
}
