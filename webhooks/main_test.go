package webhooks_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind: Ensure
// must stop with its context, and the Handler starts none.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
