package every_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/internal/every"
)

func TestRunCallsAtOnceThenEveryInterval(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	start := time.Now()
	err := every.Run(ctx, 20*time.Millisecond, func(context.Context) {
		calls++
		if calls == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if calls != 3 {
		t.Fatalf("calls = %d", calls)
	}
	if el := time.Since(start); el < 35*time.Millisecond {
		t.Fatalf("three calls in %v: not spaced by the interval", el)
	}
}
