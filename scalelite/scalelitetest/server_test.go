package scalelitetest

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

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
		"nil autoscaler":     WithAutoscaler(nil),
	} {
		s, err := New(opt)
		if err == nil {
			t.Errorf("New(opt) = nil; want an error (%s)", name)
		}
		if s != nil {
			t.Errorf("s = %v; want nil (%s)", s, name)
		}
		expectPanic(t, "NewServer(opt) with "+name, func() { NewServer(opt) })
	}
}

// The contract shared with bbbtest and greenlighttest: New does not listen,
// Start does once, URL is the root, the typed clients reach it.
func TestServerContract(t *testing.T) {
	t.Parallel()
	s, err := New(WithSecret("balancer-secret"), WithPollInterval(time.Hour))
	if err != nil {
		t.Fatalf("New(WithSecret(\"balancer-secret\"), WithPollInterval(time.Hour)): %v", err)
	}
	if len(s.URL) != 0 {
		t.Errorf("s.URL = %v; want empty", s.URL)
	}
	s.Start()
	defer s.Close()
	expectPanic(t, "a second s.Start()", s.Start)
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`).MatchString(s.URL) {
		t.Errorf("s.URL = %q; want it to match `^http://127\\.0\\.0\\.1:\\d+$`", s.URL)
	}
	if got := s.APIURL(); got != s.URL+"/bigbluebutton/api/" {
		t.Errorf("s.APIURL() = %v; want %v", got, s.URL+"/bigbluebutton/api/")
	}
	resp, err := s.Client().Get(s.URL + "/health")
	if err != nil {
		t.Fatalf("s.Client().Get(s.URL + \"/health\"): %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("resp.StatusCode = %v; want %v", resp.StatusCode, http.StatusOK)
	}

	ctx := context.Background()
	servers, err := s.AdminClient().GetServers(ctx)
	if err != nil {
		t.Fatalf("s.AdminClient().GetServers(ctx): %v", err)
	}
	if len(servers) != 0 {
		t.Errorf("servers = %v; want empty", servers)
	}
	v, err := s.BBBClient().Version(ctx)
	if err != nil {
		t.Fatalf("s.BBBClient().Version(ctx): %v", err)
	}
	if v.Version != "2.0" {
		t.Errorf("v.Version = %q; want %q", v.Version, "2.0")
	}
	expectPanic(t, "s.BBBClient(nil)", func() { s.BBBClient(nil) })
}
