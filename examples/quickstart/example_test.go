package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
)

// Run the tour against the embedded fake server (no BBB_URL, no
// BBB_SECRET). The tour prints meeting IDs, signed join URLs, ports and
// times, which change from run to run; this example shows only its step
// titles and the meeting info.
func Example() {
	var out bytes.Buffer
	ctx := cli.WithGetenv(context.Background(), func(string) string { return "" })
	code := run(ctx, nil, nil, &out, &out)
	stable := regexp.MustCompile(`(?m)^(\d+\. .*|   (BigBlueButton|name:|attendee:|metadata:) .*|Done\.)$`)
	for _, line := range stable.FindAllString(out.String(), -1) {
		fmt.Println(line)
	}
	fmt.Println("exit code:", code)
	// Output:
	// 1. Ask the server for its version
	//    BigBlueButton 3.0.19, API 2.0
	// 2. Create a meeting with metadata and recording on
	// 3. Join URLs (open them in a browser)
	// 4. A user joins
	// 5. Meeting info
	//    name: bbbkit quickstart, running: true, participants: 1, recording: true
	//    attendee: Mia Moderator (MODERATOR)
	//    metadata: bbb-origin = bbbkit-quickstart
	//    metadata: course = demo-101
	// 6. End the meeting
	// 7. List the meeting's recordings
	// Done.
	// exit code: 0
}
