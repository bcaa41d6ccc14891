package mirror_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/bbbkit/bbbkit/scalelite/mirror"
)

// writeRecording lays out one small recording the way BBB publishes it.
func writeRecording(dir, format, id string) {
	base := filepath.Join(dir, format, id)
	os.MkdirAll(filepath.Join(base, "video"), 0o755)
	os.WriteFile(filepath.Join(base, "metadata.xml"), []byte(`<recording><id>`+id+`</id><state>published</state>`+
		`<published>true</published><start_time>1767600000000</start_time><end_time>1767601800000</end_time>`+
		`<playback><format>`+format+`</format></playback></recording>`), 0o644)
	os.WriteFile(filepath.Join(base, "video", "webcams.webm"), make([]byte, 4096), 0o644)
}

// Mirror a BBB server's published tree to the balancer over HTTP.
func Example() {
	bbbDir, _ := os.MkdirTemp("", "bbb")
	defer os.RemoveAll(bbbDir)
	scaleliteDir, _ := os.MkdirTemp("", "scalelite")
	defer os.RemoveAll(scaleliteDir)
	const id = "0d9f8bd8cdbcb8e1a2c6b1f94bd5b6d7fbc2a1f0-1767600000000"
	writeRecording(bbbDir, "presentation", id)

	// On the BBB server: serve the tree.
	h, err := mirror.NewHandler(bbbDir, "shared-secret")
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	// On the balancer: pull it.
	src, err := mirror.NewHTTPSource(srv.URL, "shared-secret")
	if err != nil {
		panic(err)
	}
	var counters mirror.Counters
	res, err := mirror.Sync(context.Background(), src, scaleliteDir, mirror.WithProgress(counters.Observe))
	if err != nil {
		panic(err)
	}
	fmt.Println("copied:", res.Copied, "bytes:", counters.Values().Bytes)

	res, _ = mirror.Sync(context.Background(), src, scaleliteDir)
	fmt.Println("second run unchanged:", res.Unchanged)
	// Output:
	// copied: 1 bytes: 4355
	// second run unchanged: 1
}

// Scan a tree without hashing, as Sync does for a local source.
func ExampleDirSource() {
	dir, _ := os.MkdirTemp("", "bbb")
	defer os.RemoveAll(dir)
	writeRecording(dir, "presentation", "rec-1767600000000")
	writeRecording(dir, "video", "rec-1767600000000")
	src, _ := mirror.NewDirSource(dir)
	m, _ := src.Manifest(context.Background())
	for _, r := range m.Recordings {
		for _, f := range r.Formats {
			fmt.Println(r.ID, f.Name, len(f.Files), "files")
		}
	}
	// Output:
	// rec-1767600000000 presentation 2 files
	// rec-1767600000000 video 2 files
}
