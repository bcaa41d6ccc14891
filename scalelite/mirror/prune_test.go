package mirror

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPrune(t *testing.T) {
	t.Parallel()
	// Recordings start one hour apart from this time.
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	now := start.Add(10 * time.Hour)
	cases := []struct {
		name    string
		opts    []PruneOption
		removed int // the oldest n recordings
	}{
		{"older than", []PruneOption{WithOlderThan(5*time.Hour + time.Minute)}, 5},
		{"keep newest", []PruneOption{WithKeep(3)}, 7},
		{"either criterion", []PruneOption{WithKeep(7), WithOlderThan(3*time.Hour + time.Minute)}, 7},
		{"nothing old", []PruneOption{WithOlderThan(1000 * time.Hour)}, 0},
		{"keep zero", []PruneOption{WithKeep(0)}, 10},
	}
	for _, tc := range cases {
		for _, dry := range []bool{true, false} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				dir, ids := newTree(t, genSpec{Recordings: 10, Seed: 31, Large: 10, Video: 10, Start: start})
				// ids[i] started at start+i hours (from metadata.xml).
				res, err := Prune(context.Background(), dir, append(tc.opts, WithDryRun(dry), WithClock(func() time.Time { return now }))...)
				require.NoError(t, err)
				require.Len(t, res.Recordings, tc.removed)
				require.Equal(t, 10-tc.removed, res.Kept)
				for i, id := range ids {
					gone := i < tc.removed && !dry
					for _, f := range []string{"presentation", "video"} {
						_, err := os.Stat(filepath.Join(dir, f, id))
						require.Equal(t, gone, os.IsNotExist(err), "%s %d", f, i)
					}
				}
				for _, r := range res.Recordings {
					require.ElementsMatch(t, []string{"presentation", "video"}, r.Formats)
					require.Positive(t, r.Bytes)
				}
			})
		}
	}
}

func TestPruneNeedsACriterion(t *testing.T) {
	t.Parallel()
	_, err := Prune(context.Background(), t.TempDir())
	require.Error(t, err)
}

func TestPruneStartTimeFallbacks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// No metadata start time: the record ID's milliseconds count.
	id := "0123456789abcdef0123456789abcdef01234567-1600000000000"
	writeFormat(t, dir, "notes", id, map[string][]byte{"notes.pdf": []byte("%PDF")})
	got := recordingStart(dir, &Recording{ID: id, Formats: []Format{{Name: "notes"}}})
	require.Equal(t, time.UnixMilli(1600000000000).UTC(), got)
	// Neither: the directory time.
	writeFormat(t, dir, "notes", "handmade", map[string][]byte{"x": []byte("x")})
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, os.Chtimes(filepath.Join(dir, "notes", "handmade"), old, old))
	require.True(t, old.Equal(recordingStart(dir, &Recording{ID: "handmade", Formats: []Format{{Name: "notes"}}})))
}

// Recordings Prune selects but cannot remove safely are reported with the
// reason, never counted as pruned, and the error says not everything was
// applied; the others are removed.
func TestPruneReportsWhatItDoesNotRemove(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, dry := range []bool{true, false} {
		dir, ids := newTree(t, genSpec{Recordings: 4, Seed: 32, Large: 10, Video: 10, Start: start})
		outside := t.TempDir()
		// ids[0] holds a symbolic link; ids[1]'s video directory is one.
		require.NoError(t, os.Symlink(outside, filepath.Join(dir, "presentation", ids[0], "link")))
		require.NoError(t, os.Rename(filepath.Join(dir, "video", ids[1]), filepath.Join(outside, "video")))
		require.NoError(t, os.Symlink(filepath.Join(outside, "video"), filepath.Join(dir, "video", ids[1])))

		res, err := Prune(context.Background(), dir, WithKeep(1), WithDryRun(dry))
		require.ErrorIs(t, err, ErrIncomplete)
		require.Equal(t, 1, res.Kept)
		require.Len(t, res.Recordings, 1)
		require.Equal(t, ids[2], res.Recordings[0].RecordID)
		require.Len(t, res.Skipped, 2)
		reasons := map[string]string{}
		for _, s := range res.Skipped {
			require.ErrorIs(t, s.Err, ErrUnsafe)
			reasons[s.RecordID] = s.Err.Error()
			require.ElementsMatch(t, []string{"presentation", "video"}, s.Formats)
		}
		require.Contains(t, reasons[ids[0]], "link")
		require.Contains(t, reasons[ids[1]], "symbolic link")
		for _, id := range ids[:2] {
			require.DirExists(t, filepath.Join(dir, "presentation", id))
		}
		_, err = os.Stat(filepath.Join(dir, "presentation", ids[2]))
		require.Equal(t, !dry, os.IsNotExist(err))
		require.FileExists(t, filepath.Join(outside, "video", "metadata.xml"), "the link's target is untouched")
	}
}

// Prune reads nothing inside a recording it refuses: a metadata.xml that
// is a link to an endless file must not hang it.
func TestPruneDoesNotFollowLinksOfRefusedRecording(t *testing.T) {
	t.Parallel()
	dir, ids := newTree(t, genSpec{Recordings: 2, Seed: 33, Large: 10})
	md := filepath.Join(dir, "presentation", ids[0], "metadata.xml")
	require.NoError(t, os.Remove(md))
	require.NoError(t, os.Symlink("/dev/zero", md))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := Prune(ctx, dir, WithKeep(0), WithDryRun(true))
	require.ErrorIs(t, err, ErrIncomplete)
	require.Len(t, res.Skipped, 1)
	require.Equal(t, ids[0], res.Skipped[0].RecordID)
}
