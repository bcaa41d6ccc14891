package checksum_test

import (
	"fmt"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

func ExampleSum() {
	q := "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444"
	fmt.Println(checksum.Sum(checksum.SHA1, "create", q, "639259d4-9dd8-4b25-bf01-95f9567eaf4b"))
	// Output: 1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17
}

func ExampleVerify() {
	secret := "639259d4-9dd8-4b25-bf01-95f9567eaf4b"
	raw := "meetingID=abc123&checksum=" + checksum.Sum(checksum.SHA256, "isMeetingRunning", "meetingID=abc123", secret)
	fmt.Println(checksum.Verify("isMeetingRunning", raw, secret, checksum.SHA256, checksum.SHA512))
	fmt.Println(checksum.Verify("isMeetingRunning", raw, secret, checksum.SHA1))
	// Output:
	// <nil>
	// checksum: isMeetingRunning: checksum algorithm not allowed (sha256)
}
