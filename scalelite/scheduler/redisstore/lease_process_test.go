package redisstore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bbbkit/bbbkit/internal/redistest"
	"github.com/bbbkit/bbbkit/internal/testwait"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/redisstore"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/storetest"
)

// leaseChildEnv, when set to "<redis addr> <prefix>", makes the test binary
// run leaseChild instead of the tests.
const leaseChildEnv = "BBBKIT_REDISSTORE_LEASE_CHILD"

const (
	childTTL      = 300 * time.Millisecond
	childInterval = 100 * time.Millisecond
	childListTime = 300 * time.Millisecond
)

// reportingStore prints the outcome of every ApplyPoll of the child.
type reportingStore struct{ *redisstore.Store }

func (s reportingStore) ApplyPoll(ctx context.Context, id string, r scheduler.PollResult) (scheduler.PollOutcome, error) {
	out, err := s.Store.ApplyPoll(ctx, id, r)
	switch {
	case errors.Is(err, scheduler.ErrLeaseLost):
		fmt.Printf("refused %s\n", strings.Join(r.MeetingIDs, ","))
	case err == nil:
		fmt.Printf("wrote %s\n", strings.Join(r.MeetingIDs, ","))
	}
	return out, err
}

// leaseChild is a poller in its own process: it runs a leased Scheduler
// whose every listing takes childListTime, reports a meeting named after
// the listing's number, and prints "listing N" when it starts.
func leaseChild(spec string) {
	addr, prefix, _ := strings.Cut(spec, " ")
	c := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	st, err := redisstore.New(c, redisstore.WithPrefix(prefix))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	var n atomic.Int64
	lister := scheduler.MeetingListerFunc(func(ctx context.Context, _ scheduler.Server) ([]scheduler.Meeting, error) {
		i := n.Add(1)
		fmt.Printf("listing %d\n", i)
		time.Sleep(childListTime)
		return []scheduler.Meeting{{ID: fmt.Sprintf("child-%d", i)}}, nil
	})
	s, err := scheduler.New(scheduler.WithStore(reportingStore{st}), scheduler.WithMeetingLister(lister),
		scheduler.WithLease("child", childTTL), scheduler.WithPollInterval(childInterval), scheduler.WithPollTimeout(time.Minute))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	_ = s.Run(context.Background())
}

// TestPausedLeaderCannotWrite stops (SIGSTOP) a poller process in the
// middle of a poll, lets its lease pass to this process, resumes it
// (SIGCONT) and checks that the write it was about to make is refused by
// the store's script.
func TestPausedLeaderCannotWrite(t *testing.T) {
	t.Parallel()
	addr := redistest.Addr(t)
	prefix := redistest.Prefix(t)
	ctx := context.Background()
	st := newStore(t, newClient(t, addr), prefix)
	cluster := storetest.NewCluster() // this process's view: s1 runs no meetings
	s, err := scheduler.New(scheduler.WithStore(st), scheduler.WithMeetingLister(cluster),
		scheduler.WithLease("parent", childTTL), scheduler.WithPollInterval(childInterval))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddServer(ctx, scheduler.ServerConfig{ID: "s1", URL: "https://s1.example.com/", Secret: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetState(ctx, "s1", scheduler.StateEnabled); err != nil {
		t.Fatal(err)
	}

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), leaseChildEnv+"="+addr+" "+prefix)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = child.Process.Signal(syscall.SIGCONT)
		_ = child.Process.Kill()
		_ = child.Wait()
	})
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func(prefix string) string {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("child exited before printing %q", prefix)
				}
				if strings.HasPrefix(l, "error") {
					t.Fatalf("child: %s", l)
				}
				if strings.HasPrefix(l, prefix) {
					return strings.TrimPrefix(l, prefix)
				}
			case <-timeout:
				t.Fatalf("child printed no %q", prefix)
			}
		}
	}
	next("wrote ")              // the child holds the lease and writes
	stopped := next("listing ") // the next poll has begun: stop it mid-way
	if err := child.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stale := "child-" + stopped

	// This process takes the lease once the child's has passed, and polls.
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(rctx) }()
	defer func() { cancel(); <-done }()
	testwait.Eventually(t, func() bool { return cluster.Calls("s1") > 0 }, 10*childTTL, 10*time.Millisecond,
		"this process takes the lease over")

	if err := child.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if got := next("refused "); got != stale {
		t.Fatalf("child's refused write was for %q, want %q", got, stale)
	}
	time.Sleep(2 * childInterval)
	if _, err := s.Lookup(ctx, stale); !errors.Is(err, scheduler.ErrMeetingNotFound) {
		t.Fatalf("Lookup(%s) = %v: the paused leader's write went through", stale, err)
	}
	for {
		select {
		case l := <-lines:
			if strings.HasPrefix(l, "wrote") {
				t.Fatalf("the resumed child wrote: %s", l)
			}
			continue
		default:
		}
		break
	}
}
