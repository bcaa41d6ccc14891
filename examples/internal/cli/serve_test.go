package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"go.uber.org/goleak"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/examples/internal/cli/clitest"
	"github.com/bbbkit/bbbkit/internal/testwait"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serveTest serves h with cfg until the test ends; it returns the address
// and a channel that gets Serve's result.
func serveTest(t *testing.T, h http.Handler, cfg ServerConfig) (addr string, cancel context.CancelFunc, result <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	readyc := make(chan string, 1)
	ctx = WithReady(ctx, func(a string) { readyc <- a })
	done := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		done <- ListenAndServe(ctx, "127.0.0.1:0", h, cfg, slog.New(slog.DiscardHandler))
	}()
	select {
	case addr = <-readyc:
	case err := <-done:
		cancel()
		t.Fatalf("Serve: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return")
		}
	})
	return addr, cancel, done
}

func readAllBody(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "body: "+err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, "got %d bytes", len(b))
}

// A client that sends its body one byte a second loses its connection
// within the read timeout.
func TestSlowBodyIsCutOffAtReadTimeout(t *testing.T) {
	t.Parallel()
	cfg := DefaultServerConfig()
	cfg.ReadTimeout = 500 * time.Millisecond
	addr, _, _ := serveTest(t, http.HandlerFunc(readAllBody), cfg)

	open, err := clitest.SlowBody(addr, "/", 3*time.Second)
	if err != nil {
		t.Fatalf("clitest.SlowBody(addr, \"/\", 3*time.Second): %v", err)
	}
	if open < cfg.ReadTimeout*4/5 {
		t.Errorf("open = %v; want >= %v (cut off by the read timeout, not at once)", open, cfg.ReadTimeout*4/5)
	}
}

// holdBody sends the headers of a request whose body will come later.
func holdBody(t *testing.T, addr string, size int) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("net.Dial(\"tcp\", addr): %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	_, err = fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n", size)
	if err != nil {
		t.Fatalf("fmt.Fprintf(...): %v", err)
	}
	return conn
}

func TestMaxBodyReaders(t *testing.T) {
	t.Parallel()
	cfg := DefaultServerConfig()
	cfg.MaxBodyReaders = 2
	entered := make(chan struct{}, 10)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		readAllBody(w, r)
	})
	addr, _, _ := serveTest(t, h, cfg)
	url := "http://" + addr + "/"

	slow1 := holdBody(t, addr, 4)
	_ = holdBody(t, addr, 4)
	for range 2 {
		select {
		case <-entered:
		case <-time.After(5 * time.Second):
			t.Fatal("slow requests did not reach the handler")
		}
	}

	// Both slots are held: a third body is refused at once.
	resp, err := http.Post(url, "text/plain", strings.NewReader("abc"))
	if err != nil {
		t.Fatalf("http.Post(url, \"text/plain\", strings.NewReader(\"abc\")): %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("resp.StatusCode = %v; want %v (%s)", resp.StatusCode, http.StatusServiceUnavailable, string(body))
	}
	if got := resp.Header.Get("Retry-After"); got != "1" {
		t.Errorf("resp.Header.Get(\"Retry-After\") = %q; want %q", got, "1")
	}
	if len(entered) != 0 {
		t.Errorf("len(entered) = %d; want %d: %v (the refused request must not reach the handler)", len(entered), 0, entered)
	}

	// Requests without a body are not limited.
	resp, err = http.Get(url)
	if err != nil {
		t.Fatalf("http.Get(url): %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("resp.StatusCode = %v; want %v", resp.StatusCode, http.StatusOK)
	}
	<-entered

	// Finishing one slow body frees its slot.
	_, err = io.WriteString(slow1, "done")
	if err != nil {
		t.Fatalf("io.WriteString(slow1, \"done\"): %v", err)
	}
	answer, err := http.ReadResponse(bufio.NewReader(slow1), nil)
	if err != nil {
		t.Fatalf("http.ReadResponse(bufio.NewReader(slow1), nil): %v", err)
	}
	answer.Body.Close()
	if answer.StatusCode != http.StatusOK {
		t.Errorf("answer.StatusCode = %v; want %v", answer.StatusCode, http.StatusOK)
	}
	testwait.Eventually(t, func() bool {
		resp, err := http.Post(url, "text/plain", strings.NewReader("abc"))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 5*time.Second, 10*time.Millisecond, "GET answers 200 OK")
}

func TestGracefulShutdownFinishesRunningRequest(t *testing.T) {
	t.Parallel()
	inHandler := make(chan struct{})
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(inHandler)
		<-release
		io.WriteString(w, "finished")
	})
	addr, cancel, result := serveTest(t, h, DefaultServerConfig())

	type answer struct {
		body string
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		answered <- answer{string(b), err}
	}()
	<-inHandler
	cancel()
	select {
	case err := <-result:
		t.Fatalf("Serve returned with a request running: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	_, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		t.Errorf("net.DialTimeout(\"tcp\", addr, time.Second) returned no error; want one (no new connections once shutting down)")
	}
	close(release)
	a := <-answered
	if a.err != nil {
		t.Fatalf("a.err: %v", a.err)
	}
	if a.body != "finished" {
		t.Errorf("a.body = %q; want %q", a.body, "finished")
	}
	select {
	case err := <-result:
		if err != nil {
			t.Errorf("Serve(...) = %v; want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the request finished")
	}
}

func TestShutdownGraceRunsOut(t *testing.T) {
	t.Parallel()
	inHandler := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	h := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		close(inHandler)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	cfg := DefaultServerConfig()
	cfg.ShutdownGrace = 100 * time.Millisecond
	addr, cancel, result := serveTest(t, h, cfg)
	go func() {
		if resp, err := http.Get("http://" + addr + "/"); err == nil {
			resp.Body.Close()
		}
	}()
	<-inHandler
	cancel()
	select {
	case err := <-result:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Serve(...) = %v; want context.DeadlineExceeded", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not give up after the grace period")
	}
}

// A streaming answer longer than the write timeout goes through when it
// keeps moving; without Streaming the same answer is cut off.
func TestStreamingOutlivesWriteTimeout(t *testing.T) {
	t.Parallel()
	stream := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		rc := http.NewResponseController(w)
		for i := range 8 {
			fmt.Fprintf(w, "chunk %d\n", i)
			_ = rc.Flush()
			time.Sleep(100 * time.Millisecond)
		}
	})
	cfg := DefaultServerConfig()
	cfg.WriteTimeout = 300 * time.Millisecond
	mux := http.NewServeMux()
	mux.Handle("/streaming", Streaming(stream, 300*time.Millisecond))
	mux.Handle("/plain", stream)
	addr, _, _ := serveTest(t, mux, cfg)

	get := func(path string) (string, error) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	body, err := get("/streaming")
	if err != nil {
		t.Fatalf("get(\"/streaming\"): %v", err)
	}
	if got := strings.Count(body, "chunk"); got != 8 {
		t.Errorf("strings.Count(body, \"chunk\") = %v; want %v", got, 8)
	}
	body, err = get("/plain")
	if !(err != nil || strings.Count(body, "chunk") < 8) {
		t.Errorf("err != nil || strings.Count(body, \"chunk\") < 8 = false; want true (the plain handler was not cut off: %q)", body)
	}
}

func TestServerConfigValidate(t *testing.T) {
	t.Parallel()
	var zero ServerConfig
	if zero.Validate() == nil {
		t.Errorf("zero.Validate() returned no error; want one")
	}
	zero.fillDefaults()
	if want := DefaultServerConfig(); zero != want {
		t.Errorf("zero after fillDefaults = %v; want %v", zero, want)
	}
	bad := DefaultServerConfig()
	bad.ReadTimeout = 0
	var ue *UsageError
	if got := bad.Validate(); !errors.As(got, &ue) {
		t.Fatalf("bad.Validate() = %v; want a *UsageError", got)
	}
	if !strings.Contains(ue.Msg, "-read-timeout") {
		t.Errorf("ue.Msg = %q; want it to contain %q", ue.Msg, "-read-timeout")
	}
	bad = DefaultServerConfig()
	bad.MaxBodyReaders = -1
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "-max-body-readers") {
		t.Errorf("bad.Validate() = %v; want an error containing %q", err, "-max-body-readers")
	}
	err := ListenAndServe(context.Background(), "127.0.0.1:0", http.NotFoundHandler(), bad, slog.New(slog.DiscardHandler))
	if got := ExitCode(err); got != ExitUsage {
		t.Errorf("ExitCode(err) = %v; want %v", got, ExitUsage)
	}
}

// A file served through Streaming (the sendfile path, in chunks) arrives
// whole.
func TestStreamingServesFilesWhole(t *testing.T) {
	t.Parallel()
	want := bytes.Repeat([]byte("0123456789abcdef"), 3*streamChunk/16+123)
	path := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(path, want, 0o600); err != nil {
		t.Fatalf("os.WriteFile(path, want, 0o600): %v", err)
	}
	h := Streaming(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, path) }), time.Second)
	addr, _, _ := serveTest(t, h, DefaultServerConfig())
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("http.Get(\"http://\" + addr + \"/\"): %v", err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("io.ReadAll(resp.Body): %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("resp.StatusCode = %v; want %v", resp.StatusCode, http.StatusOK)
	}
	if !(bytes.Equal(want, got)) {
		t.Errorf("bytes.Equal(want, got) = false; want true (got %d bytes, want %d)", len(got), len(want))
	}
}
