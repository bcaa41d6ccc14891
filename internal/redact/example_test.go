package redact_test

import (
	"fmt"

	"github.com/bbbkit/bbbkit/internal/redact"
)

func ExampleString() {
	body := `<a href="/api/join?meetingID=m1&amp;password=mp&amp;checksum=9f86d081884c7d65">retry</a> {"sessionToken":"tok42"}`
	fmt.Println(redact.String(body, "my-shared-secret"))
	// Output: <a href="/api/join?meetingID=m1&amp;password=REDACTED&amp;checksum=REDACTED">retry</a> {"sessionToken":"REDACTED"}
}

func ExampleURL() {
	fmt.Println(redact.URL("https://bbb.example.org/bigbluebutton/api/getMeetings?checksum=9f86d081884c7d65"))
	// Output: https://bbb.example.org/bigbluebutton/api/getMeetings?checksum=REDACTED
}
