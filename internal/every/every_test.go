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

// TestRunNeverCallsAfterTheEnd: a call that ends the context while a tick
// is already due is the last one. (Before, select chose between the due
// tick and the ended context at random.)
func TestRunNeverCallsAfterTheEnd(t *testing.T) {
	for i := range 50 {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		err := every.Run(ctx, time.Microsecond, func(context.Context) {
			calls++
			time.Sleep(100 * time.Microsecond) // a tick is due when the call returns
			cancel()
		})
		if !errors.Is(err, context.Canceled) || calls != 1 {
			t.Fatalf("run %d: Run = %v after %d calls; want context.Canceled after 1", i, err, calls)
		}
	}
}
