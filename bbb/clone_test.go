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
	if sha1c.Algorithm() != checksum.SHA1 {
		t.Errorf("sha1c.Algorithm() = %v; want %v", sha1c.Algorithm(), checksum.SHA1)
	}
	if c.Algorithm() != checksum.SHA256 {
		t.Errorf("c.Algorithm() = %v; want %v (the original is unchanged)", c.Algorithm(), checksum.SHA256)
	}
	if sha1c.APIURL() != c.APIURL() {
		t.Errorf("sha1c.APIURL() = %v; want %v", sha1c.APIURL(), c.APIURL())
	}
	if sha1c.SignedURL("getMeetings", nil)[:len(c.APIURL())] != c.SignedURL("getMeetings", nil)[:len(c.APIURL())] {
		t.Errorf("sha1c.SignedURL(\"getMeetings\", nil)[:len(c.APIURL())] = %v; want %v", sha1c.SignedURL("getMeetings", nil)[:len(c.APIURL())], c.SignedURL("getMeetings", nil)[:len(c.APIURL())])
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
