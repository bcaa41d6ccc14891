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
	if post(t, addr, "?checksum="+sha1Hex(callbackURL+old+secret), form, old) != http.StatusUnauthorized {
		t.Errorf("post(t, addr, \"?checksum=\"+sha1Hex(callbackURL+old+secret), form, old) = %v; want %v (a 10-minute-old replay)", post(t, addr, "?checksum="+sha1Hex(callbackURL+old+secret), form, old), http.StatusUnauthorized)
	}
	if post(t, addr, "?checksum="+sha1Hex(callbackURL+fresh+secret), form, fresh) != http.StatusOK {
		t.Errorf("post(...) = %v; want %v", post(t, addr, "?checksum="+sha1Hex(callbackURL+fresh+secret), form, fresh), http.StatusOK)
	}
	if stop() != 0 {
		t.Errorf("stop() = %v; want %v", stop(), 0)
	}
	if strings.Count(stdout.String(), "\n") != 1 {
		t.Errorf("strings.Count(stdout.String(), \"\\n\") = %v; want %v", strings.Count(stdout.String(), "\n"), 1)
	}
	if !strings.Contains(stderr.String(), "stale") {
		t.Errorf("stderr.String() = %q; want it to contain %q", stderr.String(), "stale")
	}

	addr, stdout, _, stop = startReceiver(t, "-secret", secret, "-callback-url", callbackURL, "-max-age", "0")
	if post(t, addr, "?checksum="+sha1Hex(callbackURL+old+secret), form, old) != http.StatusOK {
		t.Errorf("post(t, addr, \"?checksum=\"+sha1Hex(callbackURL+old+secret), form, old) = %v; want %v", post(t, addr, "?checksum="+sha1Hex(callbackURL+old+secret), form, old), http.StatusOK)
	}
	if stop() != 0 {
		t.Errorf("stop() = %v; want %v", stop(), 0)
	}
	if strings.Count(stdout.String(), "\n") != 1 {
		t.Errorf("strings.Count(stdout.String(), \"\\n\") = %v; want %v", strings.Count(stdout.String(), "\n"), 1)
	}
}
