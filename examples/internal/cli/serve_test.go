package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/bbbkit/bbbkit/examples/internal/cli/clitest"
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
	require.NoError(t, err)
	assert.GreaterOrEqual(t, open, cfg.ReadTimeout*4/5, "cut off by the read timeout, not at once")
}

// holdBody sends the headers of a request whose body will come later.
func holdBody(t *testing.T, addr string, size int) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	_, err = fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n", size)
	require.NoError(t, err)
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
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, string(body))
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assert.Len(t, entered, 0, "the refused request must not reach the handler")

	// Requests without a body are not limited.
	resp, err = http.Get(url)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	<-entered

	// Finishing one slow body frees its slot.
	_, err = io.WriteString(slow1, "done")
	require.NoError(t, err)
	answer, err := http.ReadResponse(bufio.NewReader(slow1), nil)
	require.NoError(t, err)
	answer.Body.Close()
	assert.Equal(t, http.StatusOK, answer.StatusCode)
	require.Eventually(t, func() bool {
		resp, err := http.Post(url, "text/plain", strings.NewReader("abc"))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 5*time.Second, 10*time.Millisecond)
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
	assert.Error(t, err, "no new connections once shutting down")
	close(release)
	a := <-answered
	require.NoError(t, a.err)
	assert.Equal(t, "finished", a.body)
	select {
	case err := <-result:
		assert.NoError(t, err)
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
		assert.ErrorIs(t, err, context.DeadlineExceeded)
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
	require.NoError(t, err)
	assert.Equal(t, 8, strings.Count(body, "chunk"))
	body, err = get("/plain")
	assert.True(t, err != nil || strings.Count(body, "chunk") < 8, "the plain handler was not cut off: %q", body)
}

func TestServerConfigValidate(t *testing.T) {
	t.Parallel()
	var zero ServerConfig
	assert.Error(t, zero.Validate())
	zero.fillDefaults()
	assert.Equal(t, DefaultServerConfig(), zero)
	bad := DefaultServerConfig()
	bad.ReadTimeout = 0
	var ue *UsageError
	require.True(t, errors.As(bad.Validate(), &ue))
	assert.Contains(t, ue.Msg, "-read-timeout")
	bad = DefaultServerConfig()
	bad.MaxBodyReaders = -1
	assert.ErrorContains(t, bad.Validate(), "-max-body-readers")
	err := ListenAndServe(context.Background(), "127.0.0.1:0", http.NotFoundHandler(), bad, slog.New(slog.DiscardHandler))
	assert.Equal(t, ExitUsage, ExitCode(err))
}

// A file served through Streaming (the sendfile path, in chunks) arrives
// whole.
func TestStreamingServesFilesWhole(t *testing.T) {
	t.Parallel()
	want := bytes.Repeat([]byte("0123456789abcdef"), 3*streamChunk/16+123)
	path := filepath.Join(t.TempDir(), "big.bin")
	require.NoError(t, os.WriteFile(path, want, 0o600))
	h := Streaming(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, path) }), time.Second)
	addr, _, _ := serveTest(t, h, DefaultServerConfig())
	resp, err := http.Get("http://" + addr + "/")
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, bytes.Equal(want, got), "got %d bytes, want %d", len(got), len(want))
}
