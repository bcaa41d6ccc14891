package main

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestIndependentPythonClient drives the fake with a client written in
// Python from the protocol description alone (testdata/independent_client.py):
// all four checksum algorithms, a meeting and recording lifecycle, and the
// checksums of the webhook deliveries. python3 is on every machine .ci/run
// prepares; elsewhere the test skips when it is missing.
func TestIndependentPythonClient(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is missing; .ci/run installs it")
		}
		t.Skip("python3 not installed (apt-get install python3)")
	}
	const secret = "independent-secret-7f3a"
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	addrc := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- runTest(ctx, []string{"-listen", "127.0.0.1:0", "-publish-delay", "100ms", "-webhook-retry", "100ms"},
			env(map[string]string{"BBB_SECRET": secret}), &logs, func(a string) { addrc <- a })
	}()
	defer func() {
		cancel()
		<-done
	}()
	var addr string
	select {
	case addr = <-addrc:
	case code := <-done:
		t.Fatalf("run exited with %d: %s", code, logs.String())
	}
	cctx, ccancel := context.WithTimeout(context.Background(), time.Minute)
	defer ccancel()
	cmd := exec.CommandContext(cctx, py, "testdata/independent_client.py")
	cmd.Env = append(os.Environ(), "FAKEBBB_URL=http://"+addr+"/bigbluebutton/api/", "BBB_SECRET="+secret)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("independent client: %v\n%s", err, out)
	}
	t.Logf("independent client:\n%s", out)
}
