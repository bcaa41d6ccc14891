package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/internal/redistest"
	"github.com/bbbkit/bbbkit/internal/testwait"
)

// mainEnv makes the test binary run the program (see TestMain).
const mainEnv = "WEBHOOK_RECEIVER_RUN_MAIN"

// redisProc is a redis-server the test stops and starts again on the same
// port and directory, with an append-only file so that a restart keeps the
// data as a production Redis does.
type redisProc struct {
	t    *testing.T
	bin  string
	dir  string
	addr string
	cmd  *exec.Cmd
}

func startRedis(t *testing.T) *redisProc {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(redistest.InstallHint)
		}
		t.Skip(redistest.InstallHint)
	}
	r := &redisProc{t: t, bin: bin, dir: t.TempDir(), addr: freeAddr(t)}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *redisProc) start() {
	_, port, _ := net.SplitHostPort(r.addr)
	r.cmd = exec.Command(r.bin, "--bind", "127.0.0.1", "--port", port, "--dir", r.dir, "--save", "",
		"--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("r.cmd.Start(): %v", err)
	}
	testwait.Eventually(r.t, func() bool {
		c, err := net.Dial("tcp", r.addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 10*time.Second, 10*time.Millisecond, "redis-server accepts connections")
}

func (r *redisProc) stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	_ = r.cmd.Wait()
	r.cmd = nil
}

// receiverProc is the program run as a process with -redis.
type receiverProc struct {
	t     *testing.T
	addr  string
	args  []string
	cmd   *exec.Cmd
	files []string
}

func startReceiverProc(t *testing.T, redisAddr, prefix string) *receiverProc {
	t.Helper()
	p := &receiverProc{t: t, addr: freeAddr(t), args: []string{"-secret", secret, "-callback-url", callbackURL,
		"-redis", redisAddr, "-redis-prefix", prefix, "-redis-lease", "1s"}}
	p.start()
	t.Cleanup(func() { p.signal(syscall.SIGKILL) })
	return p
}

func (p *receiverProc) start() {
	out := filepath.Join(p.t.TempDir(), "stdout")
	f, err := os.Create(out)
	if err != nil {
		p.t.Fatalf("os.Create(out): %v", err)
	}
	defer f.Close()
	p.cmd = exec.Command(os.Args[0], append([]string{"-listen", p.addr}, p.args...)...)
	p.cmd.Env = append(os.Environ(), mainEnv+"=1")
	p.cmd.Stdout = f
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("p.cmd.Start(): %v", err)
	}
	p.files = append(p.files, out)
	testwait.Eventually(p.t, func() bool {
		resp, err := http.Get("http://" + p.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	}, 10*time.Second, 10*time.Millisecond, "/healthz answers 200 OK")
}

func (p *receiverProc) signal(sig syscall.Signal) {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	_ = p.cmd.Wait()
	p.cmd = nil
}

// sender posts numbered user-joined events of several meetings, one
// meeting after another in order (the next only after a 200), to the
// replicas in turn, retrying on any failure, and sometimes posting a
// delivered event again to the other replica, as a retry whose answer was
// lost would.
type sender struct {
	targets  []string
	perMeet  int
	meetings []string
	statuses sync.Map // status code -> *atomic.Int64
	progress atomic.Int64
}

func (s *sender) count(code int) {
	v, _ := s.statuses.LoadOrStore(code, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

func (s *sender) seen(code int) int64 {
	v, ok := s.statuses.Load(code)
	if !ok {
		return 0
	}
	return v.(*atomic.Int64).Load()
}

func (s *sender) post(target, b string) (int, error) {
	req, err := http.NewRequest(http.MethodPost, "http://"+target+"/bbb/events?checksum="+sha1Hex(callbackURL+b+secret), strings.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", form)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (s *sender) run(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(s.meetings))
	for mi, m := range s.meetings {
		wg.Go(func() {
			turn := mi
			for n := 1; n <= s.perMeet; n++ {
				b := body(numberedEvent(m, n), time.Now().UnixMilli())
				for {
					if ctx.Err() != nil {
						errs <- fmt.Errorf("meeting %s event %d: %w", m, n, ctx.Err())
						return
					}
					turn++
					code, err := s.post(s.targets[turn%len(s.targets)], b)
					s.count(code)
					if err == nil && code == http.StatusOK {
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
				if n%5 == 0 { // a retry whose 200 was lost, to the other replica
					turn++
					code, _ := s.post(s.targets[turn%len(s.targets)], b)
					s.count(code)
				}
				s.progress.Add(1)
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	close(errs)
	return errors.Join(<-errs)
}

func numberedEvent(meeting string, n int) string {
	return fmt.Sprintf(`{"data":{"type":"event","id":"user-joined","attributes":{"meeting":{"internal-meeting-id":"int-%[1]s","external-meeting-id":"%[1]s"},"user":{"internal-user-id":"w_%[2]d","external-user-id":"u%[2]d","name":"%[2]d","role":"VIEWER"}},"event":{"ts":%[3]d}}}`,
		meeting, n, 1764150000000+int64(n))
}

// printedLine is one event the program printed: its number and its entry
// identity in Redis.
type printedLine struct {
	n     int
	entry string
}

// printed reads the events per meeting from the receivers' outputs, in
// the order each process printed them.
func printed(t *testing.T, files []string) map[string][][]printedLine {
	t.Helper()
	out := map[string][][]printedLine{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("os.ReadFile(f): %v", err)
		}
		per := map[string][]printedLine{}
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		for sc.Scan() {
			var ln struct {
				Meeting string `json:"meeting"`
				Entry   string `json:"entry"`
				Data    struct {
					Data struct {
						Attributes struct {
							User struct {
								Name string `json:"name"`
							} `json:"user"`
						} `json:"attributes"`
					} `json:"data"`
				} `json:"data"`
			}
			if json.Unmarshal(sc.Bytes(), &ln) != nil {
				continue // a line cut by SIGKILL
			}
			n, err := strconv.Atoi(ln.Data.Data.Attributes.User.Name)
			if err != nil {
				t.Fatalf("strconv.Atoi(ln.Data.Data.Attributes.User.Name): %v", err)
			}
			if len(ln.Entry) == 0 {
				t.Fatalf("ln.Entry is empty; want it not empty (-redis prints the entry identity)")
			}
			per[ln.Meeting] = append(per[ln.Meeting], printedLine{n: n, entry: ln.Entry})
		}
		for m, ns := range per {
			out[m] = append(out[m], ns)
		}
	}
	return out
}

// checkExactlyOnce asserts, per meeting, that events 1..n were all
// printed, each stored once (one entry identity per event, so the retries
// sent to the other replica were suppressed), in order within each
// process; and that an entry was printed again at most maxRepeats times
// in all: only an event whose process was killed between printing and
// acknowledging comes again, with the same entry identity, so an
// application keying its effect by it applies every event exactly once.
func checkExactlyOnce(t *testing.T, got map[string][][]printedLine, meetings []string, n, maxRepeats int) {
	t.Helper()
	repeats := 0
	for _, m := range meetings {
		entries := map[int]map[string]bool{}
		seenEntry := map[string]bool{}
		for _, part := range got[m] {
			for i, ln := range part {
				if entries[ln.n] == nil {
					entries[ln.n] = map[string]bool{}
				}
				entries[ln.n][ln.entry] = true
				if seenEntry[ln.entry] {
					repeats++
				}
				seenEntry[ln.entry] = true
				if i > 0 {
					if part[i-1].n >= ln.n {
						t.Fatalf("part[i-1].n = %v; want < %v (meeting %s out of order: %v)", part[i-1].n, ln.n, m, part)
					}
				}
			}
		}
		for i := 1; i <= n; i++ {
			if len(entries[i]) != 1 {
				t.Fatalf("len(entries[i]) = %d; want %d: %v (meeting %s event %d stored %d times (%v))", len(entries[i]), 1, entries[i], m, i, len(entries[i]), got[m])
			}
		}
		if len(entries) != n {
			t.Fatalf("len(entries) = %d; want %d: %v (meeting %s: no other events)", len(entries), n, entries, m)
		}
	}
	if repeats > maxRepeats {
		t.Fatalf("repeats = %v; want <= %v (entries printed again)", repeats, maxRepeats)
	}
}

func waitPrinted(t *testing.T, files func() []string, meetings []string, n int) {
	t.Helper()
	testwait.Eventually(t, func() bool {
		got := printed(t, files())
		for _, m := range meetings {
			c := 0
			distinct := map[int]bool{}
			for _, part := range got[m] {
				for _, ln := range part {
					distinct[ln.n] = true
				}
			}
			c = len(distinct)
			if c < n {
				return false
			}
		}
		return true
	}, 30*time.Second, 50*time.Millisecond, "every meeting printed")
}

// TestDurableKillAndReplica: events posted while one receiver process is
// SIGKILLed twice and restarted, with a second replica running, all reach
// the application, each stored once, in order per meeting; only an event
// caught by a kill between printing and acknowledging is printed again,
// with the same entry identity.
func TestDurableKillAndReplica(t *testing.T) {
	defer http.DefaultClient.CloseIdleConnections()
	rds := startRedis(t)
	prefix := redistest.Prefix(t)
	p1, p2 := startReceiverProc(t, rds.addr, prefix), startReceiverProc(t, rds.addr, prefix)
	meetings := []string{"m-a", "m-b", "m-c"}
	const perMeet = 40
	s := &sender{targets: []string{p1.addr, p2.addr}, perMeet: perMeet, meetings: meetings}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	for _, at := range []int64{perMeet, 2 * perMeet} {
		testwait.Eventually(t, func() bool { return s.progress.Load() >= at }, 30*time.Second, 5*time.Millisecond, "s.progress.Load() >= at")
		p1.signal(syscall.SIGKILL)
		time.Sleep(300 * time.Millisecond)
		p1.start()
	}
	if err := <-done; err != nil {
		t.Fatalf("s.run(ctx) = %v; want nil", err)
	}
	files := func() []string { return append(append([]string(nil), p1.files...), p2.files...) }
	waitPrinted(t, files, meetings, perMeet)
	p1.signal(syscall.SIGTERM)
	p2.signal(syscall.SIGTERM)
	checkExactlyOnce(t, printed(t, files()), meetings, perMeet, 2) // two kills
}

// TestDurableRedisOutage: while Redis is stopped the receiver answers
// 503, the sender retries, and nothing is lost once Redis is back.
func TestDurableRedisOutage(t *testing.T) {
	defer http.DefaultClient.CloseIdleConnections()
	rds := startRedis(t)
	p := startReceiverProc(t, rds.addr, redistest.Prefix(t))
	meetings := []string{"m-x", "m-y"}
	const perMeet = 30
	s := &sender{targets: []string{p.addr}, perMeet: perMeet, meetings: meetings}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	testwait.Eventually(t, func() bool { return s.progress.Load() >= perMeet/2 }, 30*time.Second, 5*time.Millisecond, "s.progress.Load() >= perMeet/2")
	rds.stop()
	testwait.Eventually(t, func() bool { return s.seen(http.StatusServiceUnavailable) > 0 }, 10*time.Second, 5*time.Millisecond, "s.seen(http.StatusServiceUnavailable) > 0")
	time.Sleep(500 * time.Millisecond)
	rds.start()
	if err := <-done; err != nil {
		t.Fatalf("s.run(ctx) = %v; want nil", err)
	}
	waitPrinted(t, func() []string { return p.files }, meetings, perMeet)
	p.signal(syscall.SIGTERM)
	checkExactlyOnce(t, printed(t, p.files), meetings, perMeet, 0)
	if got := s.seen(http.StatusInternalServerError); got != 0 {
		t.Fatalf("s.seen(http.StatusInternalServerError) = %v; want 0 (an unreachable Redis is 503, not 500)", got)
	}
}
