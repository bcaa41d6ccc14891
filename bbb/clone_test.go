package bbb

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

func TestCloneAppliesOptionsToACopy(t *testing.T) {
	t.Parallel()
	c, err := New("https://bbb.example.org/bigbluebutton/", "clone-secret")
	require.NoError(t, err)
	sha1c, err := c.Clone(WithChecksum(checksum.SHA1))
	require.NoError(t, err)
	assert.Equal(t, checksum.SHA1, sha1c.Algorithm())
	assert.Equal(t, checksum.SHA256, c.Algorithm(), "the original is unchanged")
	assert.Equal(t, c.APIURL(), sha1c.APIURL())
	assert.Equal(t, c.SignedURL("getMeetings", nil)[:len(c.APIURL())], sha1c.SignedURL("getMeetings", nil)[:len(c.APIURL())])

	_, err = c.Clone(WithChecksum(checksum.Algorithm(9)))
	assert.Error(t, err)
	_, err = c.Clone(nil)
	assert.Error(t, err)
}
