package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// A delivery stamped longer ago than bbb-webhooks' retry window is refused
// by default with 401 (final for bbb-webhooks); -max-age 0 accepts it.
func TestReceiverRefusesOldDeliveriesByDefault(t *testing.T) {
	defer http.DefaultClient.CloseIdleConnections()
	ev := `{"data":{"type":"event","id":"meeting-ended","attributes":{"meeting":{"internal-meeting-id":"i","external-meeting-id":"e"}},"event":{"ts":1}}}`
	old := body(ev, time.Now().Add(-10*time.Minute).UnixMilli())
	fresh := body(ev, time.Now().UnixMilli())

	addr, stdout, stderr, stop := startReceiver(t, "-secret", secret, "-callback-url", callbackURL)
	assert.Equal(t, http.StatusUnauthorized, post(t, addr, "?checksum="+sha1Hex(callbackURL+old+secret), form, old), "a 10-minute-old replay")
	assert.Equal(t, http.StatusOK, post(t, addr, "?checksum="+sha1Hex(callbackURL+fresh+secret), form, fresh))
	assert.Equal(t, 0, stop())
	assert.Equal(t, 1, strings.Count(stdout.String(), "\n"))
	assert.Contains(t, stderr.String(), "stale")

	addr, stdout, _, stop = startReceiver(t, "-secret", secret, "-callback-url", callbackURL, "-max-age", "0")
	assert.Equal(t, http.StatusOK, post(t, addr, "?checksum="+sha1Hex(callbackURL+old+secret), form, old))
	assert.Equal(t, 0, stop())
	assert.Equal(t, 1, strings.Count(stdout.String(), "\n"))
}
