package mirror

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var testTime = time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC)

func TestParseMetadata(t *testing.T) {
	t.Parallel()
	m, err := ValidateMetadata(genMetadata(hid, "presentation", testTime, true), "presentation", hid)
	require.NoError(t, err)
	require.Equal(t, hid, m.RecordID)
	require.True(t, m.Published)
	require.Equal(t, "published", m.State)
	require.True(t, m.StartTime.Equal(testTime))
	require.Equal(t, testTime.Add(30*time.Minute), m.EndTime)
	require.Equal(t, "Weekly sync", m.Meta["meetingName"])

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
		require.ErrorIs(t, err, ErrMetadata, tc.name)
	}
	_, err = ValidateMetadata(genMetadata(hid, "presentation", testTime, true), "video", hid)
	require.ErrorIs(t, err, ErrMetadata)
	var me *MetadataError
	require.True(t, errors.As(err, &me))
	require.Equal(t, "video", me.Format)
}

func TestNames(t *testing.T) {
	t.Parallel()
	for _, id := range []string{hid, "a", "A.b_c-1"} {
		require.True(t, ValidRecordID(id), id)
	}
	for _, id := range []string{"", ".", "..", ".hidden", "a/b", "a b", strings.Repeat("a", 129), "a\x00"} {
		require.False(t, ValidRecordID(id), id)
	}
	for _, f := range []string{"presentation", "video", "podcast", "notes", "screenshare", "presentation_export"} {
		require.True(t, ValidFormat(f), f)
	}
	for _, f := range []string{"", ".mirror-staging", "Video", "a/b", ".."} {
		require.False(t, ValidFormat(f), f)
	}
	for _, p := range []string{"a", "a/b.png", "presentation/x/slide-1.png"} {
		require.NoError(t, checkRelPath(p), p)
	}
	for _, p := range []string{"", "/a", "a/../b", "..", "./a", "a//b", `a\b`, "a/", "a\nb"} {
		require.ErrorIs(t, checkRelPath(p), ErrUnsafe, p)
	}
}

func TestManifestRoundTripAndLimits(t *testing.T) {
	t.Parallel()
	m := &Manifest{Version: ManifestVersion, Recordings: []Recording{{ID: "r1", Formats: []Format{{Name: "presentation", Files: []File{
		{Path: "a.png", Size: 3, ModTime: testTime, SHA256: strings.Repeat("ab", 32)},
		{Path: "b/c.png", Size: 0, ModTime: testTime},
	}}}}}}
	var buf bytes.Buffer
	require.NoError(t, m.Encode(&buf))
	got, err := DecodeManifest(bytes.NewReader(buf.Bytes()), 0)
	require.NoError(t, err)
	require.Equal(t, int64(3), got.Recording("r1").Size())
	require.Nil(t, got.Recording("r2"))
	_, err = DecodeManifest(bytes.NewReader(buf.Bytes()), 10)
	require.ErrorIs(t, err, ErrTooLarge)

	unsorted := *m
	unsorted.Recordings = append([]Recording{{ID: "r2"}}, m.Recordings...)
	require.Error(t, unsorted.Validate())
	upper := `{"version":1,"recordings":[{"id":"r1","formats":[{"name":"presentation","files":[{"path":"a","size":1,"mtime":"2026-01-01T00:00:00Z","sha256":"` + strings.Repeat("A", 64) + `"}]}]}]}`
	_, err = DecodeManifest(strings.NewReader(upper), 0)
	require.Error(t, err)
}

func TestHashCacheSaveLoad(t *testing.T) {
	t.Parallel()
	c := NewHashCache()
	sum := strings.Repeat("0f", 32)
	c.Put("/x", 10, testTime, sum)
	path := t.TempDir() + "/cache.json"
	require.NoError(t, c.Save(path))
	d, err := LoadHashCache(path)
	require.NoError(t, err)
	got, ok := d.Get("/x", 10, testTime)
	require.True(t, ok)
	require.Equal(t, sum, got)
	_, ok = d.Get("/x", 11, testTime)
	require.False(t, ok, "size changed")
	_, ok = d.Get("/x", 10, testTime.Add(time.Nanosecond))
	require.False(t, ok, "mtime changed")
	e, err := LoadHashCache(t.TempDir() + "/missing.json")
	require.NoError(t, err)
	require.Zero(t, e.Len())
}

func TestCounters(t *testing.T) {
	t.Parallel()
	var c Counters
	for _, e := range []Event{{Kind: EventBytes, Bytes: 5}, {Kind: EventBytes, Bytes: 7}, {Kind: EventDone}, {Kind: EventFailed}, {Kind: EventUnchanged}, {Kind: EventUnchanged}, {Kind: EventDeleted}} {
		c.Observe(e)
	}
	require.Equal(t, CounterValues{Bytes: 12, Copied: 1, Unchanged: 2, Failed: 1, Deleted: 1}, c.Values())
	require.Equal(t, "bytes", EventBytes.String())
}
