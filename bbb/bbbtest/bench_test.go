package bbbtest_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// benchClient is an HTTP client sized for 64 concurrent loopback clients.
func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128}}
}

func benchGet(b *testing.B, c *http.Client, target string, want int) {
	b.SetParallelism(64 / max(1, runtimeProcs()))
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 0, 8192)
		for pb.Next() {
			resp, err := c.Get(target)
			if err != nil {
				b.Error(err)
				return
			}
			w := bytes.NewBuffer(buf[:0])
			n, _ := io.Copy(w, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || int(n) != want {
				b.Errorf("status %d, %d bytes, want %d", resp.StatusCode, n, want)
				return
			}
		}
	})
}

// setupMeeting creates a meeting with a few attendees and returns the
// signed getMeetingInfo URL and the answer's bytes.
func setupMeeting(b *testing.B, srv *bbbtest.Server, c *http.Client) (string, []byte) {
	q := "meetingID=bench"
	create := "name=Bench+Room&meetingID=bench&record=true&meta_bbb-origin=bench"
	resp, err := c.Get(srv.APIURL() + "create?" + create + "&checksum=" + checksum.Sum(checksum.SHA256, "create", create, srv.Secret))
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	for _, n := range []string{"Ann", "Ben", "Cid", "Dee"} {
		if _, err := srv.Join("bench", bbbtest.User{FullName: n, Voice: true}); err != nil {
			b.Fatal(err)
		}
	}
	target := srv.APIURL() + "getMeetingInfo?" + q + "&checksum=" + checksum.Sum(checksum.SHA256, "getMeetingInfo", q, srv.Secret)
	resp, err = c.Get(target)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return target, body
}

// BenchmarkGetMeetingInfo measures signed getMeetingInfo calls per second
// over loopback with 64 concurrent clients: the checksum is verified and
// the XML built from the live state on every call.
func BenchmarkGetMeetingInfo(b *testing.B) {
	srv := bbbtest.NewServer()
	defer srv.Close()
	c := benchClient()
	defer c.CloseIdleConnections()
	target, body := setupMeeting(b, srv, c)
	b.ReportAllocs()
	b.ResetTimer()
	benchGet(b, c, target, len(body))
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkGetMeetingInfoBaseline is the same load against a bare net/http
// handler that returns the same bytes: the ratio of the two is the cost
// of the fake.
func BenchmarkGetMeetingInfoBaseline(b *testing.B) {
	srv := bbbtest.NewServer()
	c := benchClient()
	_, body := setupMeeting(b, srv, c)
	srv.Close()
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml;charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(body)
	}))
	defer bare.Close()
	defer c.CloseIdleConnections()
	b.ReportAllocs()
	b.ResetTimer()
	benchGet(b, c, bare.URL+"/bigbluebutton/api/getMeetingInfo?meetingID=bench&checksum=x", len(body))
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// BenchmarkGetMeetingInfoInterleaved runs the fake and the bare handler in
// the same loop, each of the 64 clients alternating between them, so that
// both see the same machine load (the machine running the benchmarks is
// shared and noisy). It reports the calls per second each would sustain
// with 64 clients and their ratio (fake/bare, at least 0.5 is the goal).
func BenchmarkGetMeetingInfoInterleaved(b *testing.B) {
	srv := bbbtest.NewServer()
	defer srv.Close()
	c := benchClient()
	defer c.CloseIdleConnections()
	fakeURL, body := setupMeeting(b, srv, c)
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml;charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(body)
	}))
	defer bare.Close()
	bareURL := bare.URL + "/bigbluebutton/api/getMeetingInfo?meetingID=bench&checksum=x"
	var fakeNS, bareNS atomic.Int64
	fetch := func(target string, buf []byte) bool {
		resp, err := c.Get(target)
		if err != nil {
			b.Error(err)
			return false
		}
		n, _ := io.Copy(bytes.NewBuffer(buf[:0]), resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || int(n) != len(body) {
			b.Errorf("status %d, %d bytes", resp.StatusCode, n)
			return false
		}
		return true
	}
	b.SetParallelism(64 / max(1, runtimeProcs()))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 0, 8192)
		for pb.Next() {
			t0 := time.Now()
			if !fetch(fakeURL, buf) {
				return
			}
			t1 := time.Now()
			if !fetch(bareURL, buf) {
				return
			}
			fakeNS.Add(int64(t1.Sub(t0)))
			bareNS.Add(int64(time.Since(t1)))
		}
	})
	clients := float64(64 / max(1, runtimeProcs()) * runtimeProcs())
	fake := clients * float64(b.N) / (float64(fakeNS.Load()) / 1e9)
	bareRate := clients * float64(b.N) / (float64(bareNS.Load()) / 1e9)
	b.ReportMetric(fake, "fake-calls/s")
	b.ReportMetric(bareRate, "bare-calls/s")
	b.ReportMetric(fake/bareRate, "ratio")
}
