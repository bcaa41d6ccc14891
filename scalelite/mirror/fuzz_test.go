package mirror

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

func FuzzImport(f *testing.F) {
	f.Add(buildTar(f, good()))
	f.Add(buildTar(f, append(good(), entry{name: "presentation/" + hid + "/../../x", body: "x"})))
	f.Add(buildTar(f, append(good(), entry{name: "video/" + hid + "/metadata.xml", body: meta("video")})))
	f.Add([]byte{})
	base := f.TempDir()
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, data []byte) {
		// The trees are only created if the archive is accepted.
		root := filepath.Join(base, strconv.FormatInt(n.Add(1), 10))
		defer os.RemoveAll(root)
		pub, unpub := filepath.Join(root, "p"), filepath.Join(root, "u")
		res, err := Import(context.Background(), bytes.NewReader(data), pub, unpub, WithMaxArchiveSize(1<<20), WithMaxEntries(200))
		if err != nil {
			if _, err := os.Lstat(root); err == nil {
				got := listAll(t, root)
				t.Fatalf("refused archive left %v", got)
			}
			return
		}
		// Accepted: everything is inside the two trees, under the recording.
		for _, p := range listAll(t, root) {
			rel, _ := filepath.Rel(root, p)
			if strings.HasPrefix(rel, "..") {
				t.Fatalf("wrote outside: %s", p)
			}
		}
		if !ValidRecordID(res.RecordID) {
			t.Fatalf("accepted invalid record ID %q", res.RecordID)
		}
	})
}

func FuzzDecodeManifest(f *testing.F) {
	f.Add([]byte(`{"version":1,"recordings":[{"id":"r1","formats":[{"name":"presentation","files":[{"path":"a/b.png","size":3,"mtime":"2026-01-01T00:00:00Z","sha256":"` + strings.Repeat("a", 64) + `"}]}]}]}`))
	f.Add([]byte(`{"version":1,"recordings":[{"id":"..","formats":[]}]}`))
	f.Add([]byte(`{"version":1,"recordings":[]} trailing`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeManifest(bytes.NewReader(data), 1<<20)
		if err != nil {
			return
		}
		for _, r := range m.Recordings {
			if !ValidRecordID(r.ID) {
				t.Fatalf("accepted record ID %q", r.ID)
			}
			for _, fm := range r.Formats {
				for _, x := range fm.Files {
					if checkRelPath(x.Path) != nil || x.Size < 0 {
						t.Fatalf("accepted file %+v", x)
					}
				}
			}
		}
		// A decoded manifest encodes and decodes to the same thing.
		var buf bytes.Buffer
		if err := m.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeManifest(&buf, 0); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
	})
}

func FuzzParseMetadata(f *testing.F) {
	f.Add(genMetadata(hid, "presentation", testTime, true))
	f.Add([]byte("<recording><id>x</id><start_time>abc</start_time></recording>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMetadata(data)
		if err != nil {
			if !errors.Is(err, ErrMetadata) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !ValidRecordID(m.RecordID) {
			t.Fatalf("accepted id %q", m.RecordID)
		}
	})
}
