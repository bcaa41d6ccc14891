package scalelitetest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]Option{
		"nil option":         nil,
		"empty secret":       WithSecret(""),
		"nil scheduler":      WithScheduler(nil),
		"nil HTTP client":    WithHTTPClient(nil),
		"zero timeout":       WithForwardTimeout(0),
		"no algorithm":       WithAcceptedChecksums(),
		"bad algorithm":      WithAcceptedChecksums(checksum.Algorithm(9)),
		"bad sign algorithm": WithChecksum(checksum.Algorithm(9)),
		"nil logger":         WithLogger(nil),
		"negative load":      WithJoinLoad(-1),
		"zero poll interval": WithPollInterval(0),
	} {
		s, err := New(opt)
		assert.Error(t, err, name)
		assert.Nil(t, s, name)
		assert.Panics(t, func() { NewServer(opt) }, name)
	}
}

// The contract shared with bbbtest and greenlighttest: New does not listen,
// Start does once, URL is the root, the typed clients reach it.
func TestServerContract(t *testing.T) {
	t.Parallel()
	s, err := New(WithSecret("balancer-secret"), WithPollInterval(time.Hour))
	require.NoError(t, err)
	assert.Empty(t, s.URL)
	s.Start()
	defer s.Close()
	assert.Panics(t, s.Start)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, s.URL)
	assert.Equal(t, s.URL+"/bigbluebutton/api/", s.APIURL())
	resp, err := s.Client().Get(s.URL + "/health")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	ctx := context.Background()
	servers, err := s.AdminClient().GetServers(ctx)
	require.NoError(t, err)
	assert.Empty(t, servers)
	v, err := s.BBBClient().Version(ctx)
	require.NoError(t, err)
	assert.Equal(t, "2.0", v.Version)
	assert.Panics(t, func() { s.BBBClient(nil) })
}
