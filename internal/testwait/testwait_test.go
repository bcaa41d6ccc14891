package testwait_test

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/internal/testwait"
)

// fakeTB records Fatalf and stops the calling goroutine, as testing.T does.
type fakeTB struct {
	testing.TB
	failed string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestEventually(t *testing.T) {
	var n atomic.Int32
	testwait.Eventually(t, func() bool { return n.Add(1) >= 3 }, time.Second, time.Millisecond, "third poll")
	if got := n.Load(); got != 3 {
		t.Errorf("polls = %d; want 3", got)
	}
	tb := &fakeTB{TB: t}
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		testwait.Eventually(tb, func() bool { return time.Since(start) > time.Hour }, 20*time.Millisecond, time.Millisecond, "an hour passed")
	}()
	<-done
	if tb.failed != "an hour passed: not true within 20ms" {
		t.Errorf("failure message %q", tb.failed)
	}
}

func ExampleEventually() {
	t := &fakeTB{}
	ready := make(chan struct{})
	go close(ready)
	testwait.Eventually(t, func() bool {
		select {
		case <-ready:
			return true
		default:
			return false
		}
	}, time.Second, time.Millisecond, "ready closed")
	fmt.Println("ready")
	// Output: ready
}
