package testwait

import (
	"testing"
	"time"
)

// Eventually fails the test unless cond returns true within timeout,
// polling it every tick; what says which condition it waited for.
func Eventually(t testing.TB, cond func() bool, timeout, tick time.Duration, what string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true within %v", what, timeout)
		}
		time.Sleep(tick)
	}
}
