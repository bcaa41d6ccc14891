package bbb_test

import (
	"errors"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
)

func TestCloneReappliesOptions(t *testing.T) {
	t.Parallel()
	c, err := bbb.New("https://bbb.example.org/bigbluebutton/", testSecret)
	if err != nil {
		t.Fatal(err)
	}
	sha1, err := c.Clone(bbb.WithChecksum(checksum.SHA1))
	if err != nil {
		t.Fatal(err)
	}
	if c.Algorithm() != checksum.SHA256 || sha1.Algorithm() != checksum.SHA1 || sha1.APIURL() != c.APIURL() {
		t.Errorf("algorithms %v and %v", c.Algorithm(), sha1.Algorithm())
	}
	_, err = c.Clone(bbb.WithTimeout(-1))
	var pe *bbb.ParamError
	if !errors.As(err, &pe) || pe.Call != "Clone" || pe.Param != "WithTimeout" {
		t.Errorf("bad option: %v", err)
	}
}
