package webhooks_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/webhooks"
)

// A receiver for the hook registered as https://portal.example.org/bbb/events.
// The request is built here the way bbb-webhooks 3.4+ sends it.
func ExampleNewHandler() {
	const secret = "330a8b08c3b4c61533e1d0c5ce1ac88f"
	const callbackURL = "https://portal.example.org/bbb/events"

	h, err := webhooks.NewHandler(secret, callbackURL,
		func(ctx context.Context, d *webhooks.Delivery) error {
			for _, e := range d.Events {
				fmt.Println(e.Type, e.MeetingID, e.Attributes.User.Name, e.Timestamp.Format(time.RFC3339))
			}
			return nil // 2xx: bbb-webhooks will not retry
		},
		webhooks.WithDedup(15*time.Minute, 0))
	if err != nil {
		panic(err)
	}

	event := `{"data":{"type":"event","id":"user-joined","attributes":{"meeting":{"internal-meeting-id":"abc-1","external-meeting-id":"room-1"},` +
		`"user":{"internal-user-id":"w_1","external-user-id":"u-1","name":"Grace","role":"VIEWER","presenter":false}},"event":{"ts":1764115200000}}}`
	// bbb-webhooks stamps a delivery when it first sends it; Handler refuses
	// one stamped more than DefaultMaxAge ago.
	stamp := strconv.FormatInt(time.Now().UnixMilli(), 10)
	body := "domain=bbb.example.org&event=" + url.QueryEscape("["+event+"]") + "&timestamp=" + stamp
	sum := webhooks.Sign(checksum.SHA1, callbackURL, []byte(body), secret)

	r := httptest.NewRequest(http.MethodPost, callbackURL+"?checksum="+sum, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code)
	// Output:
	// user-joined room-1 Grace 2025-11-26T00:00:00Z
	// 200
}

func ExampleParseEvents() {
	evs, err := webhooks.ParseEvents([]byte(`[{"data":{"type":"event","id":"rap-publish-ended","attributes":{` +
		`"meeting":{"internal-meeting-id":"abc-1","external-meeting-id":"room-1"},"record-id":"abc-1","success":true,"step-time":812,` +
		`"recording":{"name":"Weekly","size":1048576,"playback":{"format":"presentation"}}},"event":{"ts":1764115200000}}}]`))
	if err != nil {
		panic(err)
	}
	e := evs[0]
	fmt.Println(e.Type, e.Type.Category(), e.Attributes.RecordID, e.Attributes.Recording.Name, e.Attributes.Recording.Size)
	// Output: rap-publish-ended recording abc-1 Weekly 1048576
}
