package durable_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if Consume leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).reaper"))
}
