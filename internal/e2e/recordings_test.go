package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/scalelite/mirror"
)

const (
	mirrorPort = "8091/tcp"
	// mirrorSecret signs the workers' recording export endpoints.
	mirrorSecret = "e2e-mirror-secret-7c41e9"
	publishedDir = "/var/bigbluebutton/published"
)

// recorder is a fake BBB worker writing its published recordings to a
// volume, and the "mirror serve" export endpoint reading the same volume.
type recorder struct {
	worker, mirror *node
}

// recorder starts a worker whose published tree is a fresh volume, and an
// export endpoint serving that tree read-only. Each recording weighs about
// size bytes.
func (c *cluster) recorder(alias string, size int) recorder {
	c.t.Helper()
	vol := c.volume(alias+"-published", "256m")
	w := c.runWith(alias, "fakebbb", workerPort, httpReady("/health", workerPort, 200),
		[]testcontainers.ContainerCustomizer{mountVolume(vol, publishedDir, false)},
		"-listen", ":8090", "-secret", workerSecret, "-publish-delay", "200ms",
		"-recordings-dir", publishedDir, "-recording-size", strconv.Itoa(size))
	// Ready means a signed manifest request succeeds: the tree is readable
	// and the secret is the test's. The link stays valid for an hour, long
	// enough for restarts within the test.
	q := "expires=" + strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	health := "/manifest?" + q + "&checksum=" + checksum.Sum(checksum.SHA256, mirror.CallManifest, q, mirrorSecret)
	m := c.runWith(alias+"-mirror", "mirror", mirrorPort, httpReady(health, mirrorPort, 200),
		[]testcontainers.ContainerCustomizer{mountVolume(vol, publishedDir, true)},
		"serve", "-dir", publishedDir, "-listen", ":8091", "-secret", mirrorSecret)
	return recorder{worker: w, mirror: m}
}

// source is the export endpoint as the test process reaches it now (the
// mapped port changes when the container restarts).
func (r recorder) source(t *testing.T) *mirror.HTTPSource {
	t.Helper()
	src, err := mirror.NewHTTPSource(r.mirror.hostURL(t)+"/", mirrorSecret)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// record runs a recorded meeting with one user on the worker, ends it and
// waits until the worker has published the recording. It returns the
// record ID.
func (r recorder) record(t *testing.T, meetingID string) string {
	t.Helper()
	ctx := context.Background()
	cl := bbbClient(t, r.worker, workerSecret)
	if _, err := cl.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "Lecture " + meetingID, MeetingID: meetingID, Record: bbb.Bool(true)}); err != nil {
		t.Fatalf("%s create %s: %v", r.worker.name, meetingID, err)
	}
	control(t, r.worker, "join", url.Values{"meetingID": {meetingID}, "fullName": {"Ada"}, "role": {"MODERATOR"}})
	if err := cl.EndMeeting(ctx, meetingID); err != nil {
		t.Fatalf("%s end %s: %v", r.worker.name, meetingID, err)
	}
	var id string
	eventually(t, 20*time.Second, "recording of "+meetingID+" published", func() error {
		page, err := cl.GetRecordings(ctx, &bbb.GetRecordingsParams{MeetingIDs: []string{meetingID}, States: []string{"any"}})
		if err != nil {
			return err
		}
		if len(page.Recordings) != 1 || page.Recordings[0].State != "published" {
			return fmt.Errorf("recordings %+v", page.Recordings)
		}
		id = page.Recordings[0].RecordID
		return nil
	})
	return id
}

// fileKey names one file of a published tree.
type fileKey struct{ record, format, path string }

func manifestFiles(ms ...*mirror.Manifest) map[fileKey]mirror.File {
	out := map[fileKey]mirror.File{}
	for _, m := range ms {
		for _, r := range m.Recordings {
			for _, f := range r.Formats {
				for _, x := range f.Files {
					out[fileKey{r.ID, f.Name, x.Path}] = x
				}
			}
		}
	}
	return out
}

// endpointManifests fetches the manifests of the export endpoints.
func endpointManifests(t *testing.T, rs ...recorder) []*mirror.Manifest {
	t.Helper()
	var out []*mirror.Manifest
	for _, r := range rs {
		m, err := r.source(t).Manifest(context.Background())
		if err != nil {
			t.Fatalf("%s manifest: %v", r.mirror.name, err)
		}
		out = append(out, m)
	}
	return out
}

// requireMirrorOf checks that the tree at dir holds exactly the files the
// manifests list, with the same sizes, SHA-256 and modification times.
func requireMirrorOf(t *testing.T, dir string, ms ...*mirror.Manifest) {
	t.Helper()
	ds, err := mirror.NewDirSource(dir, mirror.WithHashes(true))
	if err != nil {
		t.Fatal(err)
	}
	local, err := ds.Manifest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want, got := manifestFiles(ms...), manifestFiles(local)
	if len(want) == 0 || len(got) != len(want) {
		t.Fatalf("balancer tree has %d files, the workers export %d", len(got), len(want))
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Fatalf("%s/%s/%s missing from the balancer tree", k.format, k.record, k.path)
		}
		if g.Size != w.Size || g.SHA256 != w.SHA256 || !g.ModTime.Equal(w.ModTime) {
			t.Fatalf("%s/%s/%s: balancer has %+v, worker %+v", k.format, k.record, k.path, g, w)
		}
	}
	if left, _ := os.ReadDir(filepath.Join(dir, mirror.StagingDirName)); len(left) != 0 {
		t.Errorf("staging directory still holds %d entries", len(left))
	}
}

// recordingBytes is the size of the given recordings in a manifest.
func recordingBytes(m *mirror.Manifest, ids ...string) int64 {
	var n int64
	for _, id := range ids {
		if r := m.Recording(id); r != nil {
			n += r.Size()
		}
	}
	return n
}

// smallWindowClient is an HTTP client whose connections have a small,
// fixed receive buffer, so that little of a throttled download sits in
// kernel buffers where stopping the sender cannot cut it off.
func smallWindowClient() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
		return setRcvBuf(c, 64<<10)
	}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

// byteCounter counts the bytes a sync reports through progress events.
type byteCounter struct{ n atomic.Int64 }

func (b *byteCounter) observe(e mirror.Event) {
	if e.Kind == mirror.EventBytes {
		b.n.Add(e.Bytes)
	}
}

// TestRecordingsMirroredAndListed records meetings on two workers, mirrors
// their published trees over HTTP into the balancer's tree, lists them
// through the balancer, and interrupts a throttled mirror by stopping the
// worker's export endpoint: the next sync resumes and completes.
func TestRecordingsMirroredAndListed(t *testing.T) {
	c := newCluster(t)
	// bbb1's recordings are large enough that a throttled mirror of them
	// outlasts what the TCP buffers between the endpoint and the test
	// hold, so stopping the endpoint cuts the transfer off.
	rs := []recorder{c.recorder("bbb1", 12<<20), c.recorder("bbb2", 3<<20)}
	b := c.balancer("lb")
	register(t, adminClient(t, b), rs[0].worker, rs[1].worker)
	front := bbbClient(t, b, balancerSecret)
	ctx := context.Background()
	tree := t.TempDir() // the balancer's published tree

	// Two recordings on each worker, mirrored from both export endpoints.
	ids := map[string]string{} // record ID -> worker
	for _, r := range rs {
		for i := range 2 {
			ids[r.record(t, fmt.Sprintf("%s-lecture-%d", r.worker.name, i))] = r.worker.name
		}
	}
	start := time.Now()
	for _, r := range rs {
		res, err := mirror.Sync(ctx, r.source(t), tree)
		if err != nil {
			t.Fatalf("sync from %s: %v", r.mirror.name, err)
		}
		if res.Recordings != 2 || res.Copied != 2 || res.Failed != 0 {
			t.Fatalf("sync from %s: %+v", r.mirror.name, res)
		}
	}
	t.Logf("first sync of 4 recordings from 2 workers: %v", time.Since(start).Round(time.Millisecond))
	requireMirrorOf(t, tree, endpointManifests(t, rs...)...)

	// getRecordings through the balancer lists every recording, and the
	// sizes it reports are what arrived in the tree.
	page, err := front.GetRecordings(ctx, nil)
	if err != nil {
		t.Fatalf("getRecordings through the balancer: %v", err)
	}
	listed := map[string]bool{}
	for _, rec := range page.Recordings {
		listed[rec.RecordID] = true
		if _, ok := ids[rec.RecordID]; !ok {
			t.Errorf("balancer lists unknown recording %s", rec.RecordID)
			continue
		}
		if len(rec.Playback) != 1 || rec.Playback[0].Type != "presentation" || !rec.Published {
			t.Errorf("recording %s: %+v", rec.RecordID, rec)
			continue
		}
		var onDisk int64
		dir := filepath.Join(tree, "presentation", rec.RecordID)
		err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.Mode().IsRegular() && fi.Name() != "metadata.xml" {
				onDisk += fi.Size()
			}
			return err
		})
		if err != nil || onDisk != rec.Playback[0].Size {
			t.Errorf("recording %s: balancer reports %d bytes, tree holds %d (%v)", rec.RecordID, rec.Playback[0].Size, onDisk, err)
		}
	}
	if len(listed) != len(ids) {
		t.Fatalf("balancer lists %d recordings, want %d", len(listed), len(ids))
	}

	// Two more recordings on bbb1, mirrored one at a time at 3 MB/s; the
	// export endpoint is stopped once two megabytes have arrived.
	w := rs[0]
	fresh := []string{w.record(t, "bbb1-late-0"), w.record(t, "bbb1-late-1")}
	srcBefore, err := w.source(t).Manifest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	full := recordingBytes(srcBefore, fresh...)
	var first byteCounter
	var finished sync.Map // record IDs the interrupted sync completed
	type outcome struct {
		res *mirror.Result
		err error
	}
	done := make(chan outcome, 1)
	syncCtx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	throttled, err := mirror.NewHTTPSource(w.mirror.hostURL(t)+"/", mirrorSecret, mirror.WithHTTPClient(smallWindowClient()))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		res, err := mirror.Sync(syncCtx, throttled, tree,
			mirror.WithBandwidthLimit(3_000_000), mirror.WithConcurrency(1),
			mirror.WithRetries(1), mirror.WithRetryDelay(100*time.Millisecond),
			mirror.WithProgress(func(e mirror.Event) {
				first.observe(e)
				if e.Kind == mirror.EventDone {
					finished.Store(e.RecordID, true)
				}
			}))
		done <- outcome{res, err}
	}()
	eventually(t, 20*time.Second, "first megabytes mirrored", func() error {
		if n := first.n.Load(); n < 2<<20 {
			return fmt.Errorf("%d bytes so far", n)
		}
		return nil
	})
	atStop := first.n.Load()
	w.mirror.stop(t)
	out := <-done
	if out.err == nil {
		t.Fatalf("sync survived the export endpoint going away: %+v", out.res)
	}
	// The sync gives up by itself and names the recordings it could not
	// bring in; it does not hang until its deadline.
	var se *mirror.SyncError
	if !errors.As(out.err, &se) {
		t.Fatalf("interrupted sync ended with %v, want a *mirror.SyncError", out.err)
	}
	moved := first.n.Load()
	if moved >= full {
		t.Fatalf("the interrupted sync moved %d of %d bytes: not interrupted", moved, full)
	}
	copied := 0
	for _, id := range fresh {
		if _, ok := finished.Load(id); ok {
			copied++
			continue
		}
		if _, err := os.Stat(filepath.Join(tree, "presentation", id)); err == nil {
			t.Errorf("recording %s visible in the tree although its transfer failed", id)
		}
	}
	if len(se.Failed) != len(fresh)-copied {
		t.Errorf("sync error names %d recordings, %d did not arrive: %v", len(se.Failed), len(fresh)-copied, se)
	}
	if staged, _ := os.ReadDir(filepath.Join(tree, mirror.StagingDirName)); len(staged) == 0 {
		t.Error("the interrupted sync kept nothing staged to resume from")
	}
	t.Logf("endpoint stopped after %d bytes; the sync ended after %d of %d bytes (%d recordings complete): %v", atStop, moved, full, copied, out.err)

	// Back up (the mapped port may change, source re-reads it): the next
	// sync resumes and completes.
	w.mirror.start(t)
	var second byteCounter
	start = time.Now()
	res, err := mirror.Sync(ctx, w.source(t), tree, mirror.WithProgress(second.observe))
	if err != nil {
		t.Fatalf("resumed sync: %v", err)
	}
	t.Logf("resumed sync: %+v, %d bytes in %v", *res, second.n.Load(), time.Since(start).Round(time.Millisecond))
	if res.Copied+copied != len(fresh) || res.Unchanged != 2+copied || res.Failed != 0 {
		t.Errorf("resumed sync: %+v", res)
	}
	// Resumed, not restarted: what the first attempt staged is kept. A
	// small file cut off inside a bundle is fetched again, hence the slack.
	const slack = 512 << 10
	if got := second.n.Load(); got >= full || moved+got > full+slack {
		t.Errorf("resumed sync moved %d bytes after %d of %d: it did not resume", got, moved, full)
	}
	requireMirrorOf(t, tree, endpointManifests(t, rs...)...)

	// Nothing changed: a new sync from both endpoints copies nothing.
	for _, r := range rs {
		var idle byteCounter
		res, err := mirror.Sync(ctx, r.source(t), tree, mirror.WithProgress(idle.observe))
		if err != nil || res.Copied != 0 || res.Unchanged != res.Recordings || idle.n.Load() != 0 {
			t.Errorf("re-sync from %s: %+v, %d bytes, %v", r.mirror.name, res, idle.n.Load(), err)
		}
	}
	page, err = front.GetRecordings(ctx, nil)
	if err != nil || len(page.Recordings) != len(ids)+len(fresh) {
		t.Errorf("getRecordings through the balancer after the second sync: %d recordings, %v", len(page.Recordings), err)
	}
}
