package bbb

import (
	"testing"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

func TestCloneAppliesOptionsToACopy(t *testing.T) {
	t.Parallel()
	c, err := New("https://bbb.example.org/bigbluebutton/", "clone-secret")
	if err != nil {
		t.Fatalf("New(\"https://bbb.example.org/bigbluebutton/\", \"clone-secret\"): %v", err)
	}
	sha1c, err := c.Clone(WithChecksum(checksum.SHA1))
	if err != nil {
		t.Fatalf("c.Clone(WithChecksum(checksum.SHA1)): %v", err)
	}
	if got := sha1c.Algorithm(); got != checksum.SHA1 {
		t.Errorf("sha1c.Algorithm() = %v; want %v", got, checksum.SHA1)
	}
	if got := c.Algorithm(); got != checksum.SHA256 {
		t.Errorf("c.Algorithm() = %v; want %v (the original is unchanged)", got, checksum.SHA256)
	}
	if got := sha1c.APIURL(); got != c.APIURL() {
		t.Errorf("sha1c.APIURL() = %v; want %v", got, c.APIURL())
	}
	if got := sha1c.SignedURL("getMeetings", nil)[:len(c.APIURL())]; got != c.SignedURL("getMeetings", nil)[:len(c.APIURL())] {
		t.Errorf("sha1c.SignedURL(\"getMeetings\", nil)[:len(c.APIURL())] = %v; want %v", got, c.SignedURL("getMeetings", nil)[:len(c.APIURL())])
	}

	_, err = c.Clone(WithChecksum(checksum.Algorithm(9)))
	if err == nil {
		t.Errorf("c.Clone(WithChecksum(checksum.Algorithm(9))) = nil; want an error")
	}
	_, err = c.Clone(nil)
	if err == nil {
		t.Errorf("c.Clone(nil) = nil; want an error")
	}
}
