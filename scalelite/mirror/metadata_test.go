package mirror

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var testTime = time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC)

func TestParseMetadata(t *testing.T) {
	t.Parallel()
	m, err := ValidateMetadata(genMetadata(hid, "presentation", testTime, true), "presentation", hid)
	if err != nil {
		t.Fatalf("ValidateMetadata(...): %v", err)
	}
	if m.RecordID != hid {
		t.Fatalf("ValidateMetadata(...).RecordID = %q; want %q", m.RecordID, hid)
	}
	if !m.Published {
		t.Fatalf("ValidateMetadata(...).Published = false; want true")
	}
	if m.State != "published" {
		t.Fatalf("ValidateMetadata(...).State = %q; want %q", m.State, "published")
	}
	if !m.StartTime.Equal(testTime) {
		t.Fatalf("ValidateMetadata(...).StartTime = %v; want %v", m.StartTime, testTime)
	}
	// ==, not Equal: the location must be the same too.
	if want := testTime.Add(30 * time.Minute); m.EndTime != want {
		t.Fatalf("ValidateMetadata(...).EndTime = %v; want %v", m.EndTime, want)
	}
	if got := m.Meta["meetingName"]; got != "Weekly sync" {
		t.Fatalf("ValidateMetadata(...).Meta[\"meetingName\"] = %q; want %q", got, "Weekly sync")
	}

	bad := []struct{ name, doc string }{
		{"not a recording", "<meeting><id>" + hid + "</id></meeting>"},
		{"no id", "<recording><state>published</state></recording>"},
		{"id with slash", "<recording><id>../x</id></recording>"},
		{"bad published", "<recording><id>x</id><published>maybe</published></recording>"},
		{"bad time", "<recording><id>x</id><start_time>yesterday</start_time></recording>"},
		{"trailing element", "<recording><id>x</id></recording><recording/>"},
		{"truncated", "<recording><id>x</id>"},
		{"too large", "<recording><id>x</id>" + strings.Repeat(" ", MaxMetadataSize) + "</recording>"},
	}
	for _, tc := range bad {
		_, err := ParseMetadata([]byte(tc.doc))
		if !errors.Is(err, ErrMetadata) {
			t.Fatalf("ParseMetadata(%s) = %v; want ErrMetadata", tc.name, err)
		}
	}
	_, err = ValidateMetadata(genMetadata(hid, "presentation", testTime, true), "video", hid)
	if !errors.Is(err, ErrMetadata) {
		t.Fatalf("ValidateMetadata(presentation metadata, \"video\", ...) = %v; want ErrMetadata", err)
	}
	var me *MetadataError
	if !errors.As(err, &me) {
		t.Fatalf("ValidateMetadata(...) = %v (%T); want a *MetadataError", err, err)
	}
	if me.Format != "video" {
		t.Fatalf("MetadataError.Format = %q; want %q", me.Format, "video")
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	for _, id := range []string{hid, "a", "A.b_c-1"} {
		if !ValidRecordID(id) {
			t.Fatalf("ValidRecordID(%q) = false; want true", id)
		}
	}
	for _, id := range []string{"", ".", "..", ".hidden", "a/b", "a b", strings.Repeat("a", 129), "a\x00"} {
		if ValidRecordID(id) {
			t.Fatalf("ValidRecordID(%q) = true; want false", id)
		}
	}
	for _, f := range []string{"presentation", "video", "podcast", "notes", "screenshare", "presentation_export"} {
		if !ValidFormat(f) {
			t.Fatalf("ValidFormat(%q) = false; want true", f)
		}
	}
	for _, f := range []string{"", ".mirror-staging", "Video", "a/b", ".."} {
		if ValidFormat(f) {
			t.Fatalf("ValidFormat(%q) = true; want false", f)
		}
	}
	for _, p := range []string{"a", "a/b.png", "presentation/x/slide-1.png"} {
		if err := checkRelPath(p); err != nil {
			t.Fatalf("checkRelPath(%q) = %v; want nil", p, err)
		}
	}
	for _, p := range []string{"", "/a", "a/../b", "..", "./a", "a//b", `a\b`, "a/", "a\nb"} {
		if err := checkRelPath(p); !errors.Is(err, ErrUnsafe) {
			t.Fatalf("checkRelPath(%q) = %v; want ErrUnsafe", p, err)
		}
	}
}

func TestManifestRoundTripAndLimits(t *testing.T) {
	t.Parallel()
	m := &Manifest{Version: ManifestVersion, Recordings: []Recording{{ID: "r1", Formats: []Format{{Name: "presentation", Files: []File{
		{Path: "a.png", Size: 3, ModTime: testTime, SHA256: strings.Repeat("ab", 32)},
		{Path: "b/c.png", Size: 0, ModTime: testTime},
	}}}}}}
	var buf bytes.Buffer
	if err := m.Encode(&buf); err != nil {
		t.Fatalf("Encode(...): %v", err)
	}
	got, err := DecodeManifest(bytes.NewReader(buf.Bytes()), 0)
	if err != nil {
		t.Fatalf("DecodeManifest(..., 0): %v", err)
	}
	if size := got.Recording("r1").Size(); size != 3 {
		t.Fatalf("Recording(\"r1\").Size() = %d; want 3", size)
	}
	if r := got.Recording("r2"); r != nil {
		t.Fatalf("Recording(\"r2\") = %+v; want nil", r)
	}
	_, err = DecodeManifest(bytes.NewReader(buf.Bytes()), 10)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("DecodeManifest(..., 10) = %v; want ErrTooLarge", err)
	}

	unsorted := *m
	unsorted.Recordings = append([]Recording{{ID: "r2"}}, m.Recordings...)
	if err := unsorted.Validate(); err == nil {
		t.Fatalf("Validate() of unsorted recordings = nil; want an error")
	}
	upper := `{"version":1,"recordings":[{"id":"r1","formats":[{"name":"presentation","files":[{"path":"a","size":1,"mtime":"2026-01-01T00:00:00Z","sha256":"` + strings.Repeat("A", 64) + `"}]}]}]}`
	_, err = DecodeManifest(strings.NewReader(upper), 0)
	if err == nil {
		t.Fatalf("DecodeManifest(upper-case digest) = nil error; want an error")
	}
}

func TestHashCacheSaveLoad(t *testing.T) {
	t.Parallel()
	c := NewHashCache()
	sum := strings.Repeat("0f", 32)
	c.Put("/x", 10, testTime, sum)
	path := t.TempDir() + "/cache.json"
	if err := c.Save(path); err != nil {
		t.Fatalf("Save(%q): %v", path, err)
	}
	d, err := LoadHashCache(path)
	if err != nil {
		t.Fatalf("LoadHashCache(%q): %v", path, err)
	}
	got, ok := d.Get("/x", 10, testTime)
	if !ok {
		t.Fatalf("Get(\"/x\", 10, testTime) ok = false; want true")
	}
	if got != sum {
		t.Fatalf("Get(\"/x\", 10, testTime) = %q; want %q", got, sum)
	}
	_, ok = d.Get("/x", 11, testTime)
	if ok {
		t.Fatalf("Get(\"/x\", 11, testTime) ok = true; want false (size changed)")
	}
	_, ok = d.Get("/x", 10, testTime.Add(time.Nanosecond))
	if ok {
		t.Fatalf("Get(\"/x\", 10, testTime+1ns) ok = true; want false (mtime changed)")
	}
	e, err := LoadHashCache(t.TempDir() + "/missing.json")
	if err != nil {
		t.Fatalf("LoadHashCache(missing file): %v", err)
	}
	if n := e.Len(); n != 0 {
		t.Fatalf("LoadHashCache(missing file).Len() = %d; want 0", n)
	}
}

func TestCounters(t *testing.T) {
	t.Parallel()
	var c Counters
	for _, e := range []Event{{Kind: EventBytes, Bytes: 5}, {Kind: EventBytes, Bytes: 7}, {Kind: EventDone}, {Kind: EventFailed}, {Kind: EventUnchanged}, {Kind: EventUnchanged}, {Kind: EventDeleted}} {
		c.Observe(e)
	}
	if diff := cmp.Diff(CounterValues{Bytes: 12, Copied: 1, Unchanged: 2, Failed: 1, Deleted: 1}, c.Values()); diff != "" {
		t.Fatalf("Values() mismatch (-want +got):\n%s", diff)
	}
	if got := EventBytes.String(); got != "bytes" {
		t.Fatalf("EventBytes.String() = %q; want %q", got, "bytes")
	}
}
