package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// A delivery stamped longer ago than bbb-webhooks' retry window is refused
// by default with 401 (final for bbb-webhooks); -max-age 0 accepts it.
func TestReceiverRefusesOldDeliveriesByDefault(t *testing.T) {
	defer http.DefaultClient.CloseIdleConnections()
	ev := `{"data":{"type":"event","id":"meeting-ended","attributes":{"meeting":{"internal-meeting-id":"i","external-meeting-id":"e"}},"event":{"ts":1}}}`
	old := body(ev, time.Now().Add(-10*time.Minute).UnixMilli())
	fresh := body(ev, time.Now().UnixMilli())

	addr, stdout, stderr, stop := startReceiver(t, "-secret", secret, "-callback-url", callbackURL)
	if got := post(t, addr, "?checksum="+sha1Hex(callbackURL+old+secret), form, old); got != http.StatusUnauthorized {
		t.Errorf("post(t, addr, \"?checksum=\"+sha1Hex(callbackURL+old+secret), form, old) = %v; want %v (a 10-minute-old replay)", got, http.StatusUnauthorized)
	}
	if got := post(t, addr, "?checksum="+sha1Hex(callbackURL+fresh+secret), form, fresh); got != http.StatusOK {
		t.Errorf("post(...) = %v; want %v", got, http.StatusOK)
	}
	if got := stop(); got != 0 {
		t.Errorf("stop() = %v; want %v", got, 0)
	}
	if got := strings.Count(stdout.String(), "\n"); got != 1 {
		t.Errorf("strings.Count(stdout.String(), \"\\n\") = %v; want %v", got, 1)
	}
	if got := stderr.String(); !strings.Contains(got, "stale") {
		t.Errorf("stderr.String() = %q; want it to contain %q", got, "stale")
	}

	addr, stdout, _, stop = startReceiver(t, "-secret", secret, "-callback-url", callbackURL, "-max-age", "0")
	if got := post(t, addr, "?checksum="+sha1Hex(callbackURL+old+secret), form, old); got != http.StatusOK {
		t.Errorf("post(t, addr, \"?checksum=\"+sha1Hex(callbackURL+old+secret), form, old) = %v; want %v", got, http.StatusOK)
	}
	if got := stop(); got != 0 {
		t.Errorf("stop() = %v; want %v", got, 0)
	}
	if got := strings.Count(stdout.String(), "\n"); got != 1 {
		t.Errorf("strings.Count(stdout.String(), \"\\n\") = %v; want %v", got, 1)
	}
}
