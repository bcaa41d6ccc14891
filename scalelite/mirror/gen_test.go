package mirror

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// genSpec describes a generated published tree, laid out the way BBB
// servers write it: <dir>/<format>/<recordID>/... with metadata.xml.
type genSpec struct {
	Recordings int
	Seed       uint64
	Large      int64 // size of the large media file of each presentation
	Video      int64 // size of video-0.m4v (0: no video format)
	Podcast    int64 // size of audio.ogg (0: no podcast format)
	Slides     int   // slides per presentation
	Start      time.Time
}

// genRecordID makes a BBB-shaped record ID: sha1 hex, '-', milliseconds.
func genRecordID(i int, start time.Time) string {
	return genRecordIDSeed(0, i, start)
}

func genRecordIDSeed(seed uint64, i int, start time.Time) string {
	h := sha1.Sum([]byte(fmt.Sprintf("meeting-%d-%d", seed, i)))
	return hex.EncodeToString(h[:]) + "-" + fmt.Sprint(start.Add(time.Duration(i)*time.Hour).UnixMilli())
}

func genMetadata(id, format string, start time.Time, published bool) []byte {
	st := start.UnixMilli()
	return []byte(fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<recording>
  <id>%s</id>
  <state>%s</state>
  <published>%t</published>
  <start_time>%d</start_time>
  <end_time>%d</end_time>
  <participants>3</participants>
  <meeting id="%s" externalId="room-%s" name="Weekly sync" breakout="false"/>
  <meta>
    <isBreakout>false</isBreakout>
    <meetingId>room-%s</meetingId>
    <meetingName>Weekly sync</meetingName>
    <gl-listed>false</gl-listed>
  </meta>
  <playback>
    <format>%s</format>
    <link>https://bbb1.example.org/playback/%s/2.3/%s</link>
    <processing_time>7177</processing_time>
    <duration>1800000</duration>
  </playback>
</recording>
`, id, map[bool]string{true: "published", false: "unpublished"}[published], published, st, st+1800000, id, id[:8], id[:8], format, format, id))
}

// generate writes the tree and returns the record IDs.
func generate(t testing.TB, dir string, s genSpec) []string {
	t.Helper()
	if s.Start.IsZero() {
		s.Start = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	}
	if s.Slides == 0 {
		s.Slides = 3
	}
	rng := rand.New(rand.NewPCG(s.Seed, 7))
	var ids []string
	for i := 0; i < s.Recordings; i++ {
		id := genRecordIDSeed(s.Seed, i, s.Start)
		start := recordTime(id)
		ids = append(ids, id)
		pres := map[string][]byte{
			"metadata.xml":           genMetadata(id, "presentation", start, true),
			"events.xml":             randText(rng, 4000),
			"shapes.svg":             randText(rng, 2000),
			"panzooms.xml":           randText(rng, 600),
			"cursor.xml":             randText(rng, 300),
			"deskshare.xml":          {}, // empty file, as BBB writes without screen sharing
			"captions.json":          []byte("[]"),
			"presentation_text.json": randText(rng, 500),
			"video/webcams.webm":     randBytes(rng, s.Large),
		}
		presID := hex.EncodeToString(randBytes(rng, 20)) + "-" + fmt.Sprint(start.UnixMilli())
		for k := 1; k <= s.Slides; k++ {
			pres[fmt.Sprintf("presentation/%s/slide-%d.png", presID, k)] = randBytes(rng, 3000)
			pres[fmt.Sprintf("presentation/%s/thumbnails/thumb-%d.png", presID, k)] = randBytes(rng, 400)
			pres[fmt.Sprintf("presentation/%s/textfiles/slide-%d.txt", presID, k)] = randText(rng, 100)
		}
		writeFormat(t, dir, "presentation", id, pres)
		if s.Video > 0 {
			writeFormat(t, dir, "video", id, map[string][]byte{
				"metadata.xml": genMetadata(id, "video", start, true),
				"video-0.m4v":  randBytes(rng, s.Video),
			})
		}
		if s.Podcast > 0 {
			writeFormat(t, dir, "podcast", id, map[string][]byte{
				"metadata.xml":    genMetadata(id, "podcast", start, true),
				"audio/audio.ogg": randBytes(rng, s.Podcast),
			})
		}
	}
	return ids
}

func writeFormat(t testing.TB, dir, format, id string, files map[string][]byte) {
	t.Helper()
	base := filepath.Join(dir, format, id)
	for name, data := range files {
		p := filepath.Join(base, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func randBytes(rng *rand.Rand, n int64) []byte {
	b := make([]byte, n)
	for i := 0; i+8 <= len(b); i += 8 {
		v := rng.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := len(b) &^ 7; i < len(b); i++ {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func randText(rng *rand.Rand, n int) []byte {
	const words = "slide annotation pencil chat poll webcam deskshare cursor zoom "
	var b strings.Builder
	for b.Len() < n {
		i := rng.IntN(len(words) - 8)
		b.WriteString(words[i : i+5])
	}
	return []byte(b.String()[:n])
}

// treeFiles lists every regular file under dir (skipping the staging
// directory and Sync's lock file) with its content.
func treeFiles(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == StagingDirName {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() && d.Name() != LockFileName {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			out[filepath.ToSlash(rel)] = b
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// requireSameTree fails unless both trees hold the same files, byte for byte.
func requireSameTree(t testing.TB, want, got string) {
	t.Helper()
	a, b := treeFiles(t, want), treeFiles(t, got)
	if len(a) != len(b) {
		t.Fatalf("tree %s has %d files, %s has %d", want, len(a), got, len(b))
	}
	for name, data := range a {
		other, ok := b[name]
		if !ok {
			t.Fatalf("%s missing from %s", name, got)
		}
		if !bytes.Equal(data, other) {
			t.Fatalf("%s differs", name)
		}
	}
}
