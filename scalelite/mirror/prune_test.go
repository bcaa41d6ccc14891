package mirror

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
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
				if err != nil {
					t.Fatalf("Prune(..., WithDryRun(%v)): %v", dry, err)
				}
				if len(res.Recordings) != tc.removed {
					t.Fatalf("len(Prune(...).Recordings) = %d; want %d", len(res.Recordings), tc.removed)
				}
				if want := 10 - tc.removed; res.Kept != want {
					t.Fatalf("Prune(...).Kept = %d; want %d", res.Kept, want)
				}
				for i, id := range ids {
					gone := i < tc.removed && !dry
					for _, f := range []string{"presentation", "video"} {
						_, err := os.Stat(filepath.Join(dir, f, id))
						if got := os.IsNotExist(err); got != gone {
							t.Fatalf("%s %d (%s) removed = %v; want %v", f, i, id, got, gone)
						}
					}
				}
				for _, r := range res.Recordings {
					if diff := cmp.Diff([]string{"presentation", "video"}, r.Formats, cmpopts.SortSlices(strings.Compare)); diff != "" {
						t.Fatalf("Prune(...) %s Formats mismatch (-want +got), in any order:\n%s", r.RecordID, diff)
					}
					if r.Bytes <= 0 {
						t.Fatalf("Prune(...) %s Bytes = %d; want > 0", r.RecordID, r.Bytes)
					}
				}
			})
		}
	}
}

func TestPruneNeedsACriterion(t *testing.T) {
	t.Parallel()
	_, err := Prune(context.Background(), t.TempDir())
	if err == nil {
		t.Fatalf("Prune(dir) without a criterion = nil; want an error")
	}
}

func TestPruneStartTimeFallbacks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// No metadata start time: the record ID's milliseconds count.
	id := "0123456789abcdef0123456789abcdef01234567-1600000000000"
	writeFormat(t, dir, "notes", id, map[string][]byte{"notes.pdf": []byte("%PDF")})
	got := recordingStart(dir, &Recording{ID: id, Formats: []Format{{Name: "notes"}}})
	// ==, not Equal: the location must be the same too.
	if want := time.UnixMilli(1600000000000).UTC(); got != want {
		t.Fatalf("recordingStart(%s) = %v; want %v", id, got, want)
	}
	// Neither: the directory time.
	writeFormat(t, dir, "notes", "handmade", map[string][]byte{"x": []byte("x")})
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, "notes", "handmade"), old, old); err != nil {
		t.Fatalf("os.Chtimes(notes/handmade, ...): %v", err)
	}
	if got := recordingStart(dir, &Recording{ID: "handmade", Formats: []Format{{Name: "notes"}}}); !old.Equal(got) {
		t.Fatalf("recordingStart(handmade) = %v; want %v", got, old)
	}
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
		if err := os.Symlink(outside, filepath.Join(dir, "presentation", ids[0], "link")); err != nil {
			t.Fatalf("os.Symlink(outside, ...): %v", err)
		}
		if err := os.Rename(filepath.Join(dir, "video", ids[1]), filepath.Join(outside, "video")); err != nil {
			t.Fatalf("os.Rename(video/%s, outside): %v", ids[1], err)
		}
		if err := os.Symlink(filepath.Join(outside, "video"), filepath.Join(dir, "video", ids[1])); err != nil {
			t.Fatalf("os.Symlink(outside/video, ...): %v", err)
		}

		res, err := Prune(context.Background(), dir, WithKeep(1), WithDryRun(dry))
		if !errors.Is(err, ErrIncomplete) {
			t.Fatalf("Prune(..., WithDryRun(%v)) = %v; want ErrIncomplete", dry, err)
		}
		if res.Kept != 1 {
			t.Fatalf("Prune(...).Kept = %d; want 1", res.Kept)
		}
		if len(res.Recordings) != 1 {
			t.Fatalf("len(Prune(...).Recordings) = %d; want 1: %v", len(res.Recordings), res.Recordings)
		}
		if got := res.Recordings[0].RecordID; got != ids[2] {
			t.Fatalf("Prune(...).Recordings[0].RecordID = %q; want %q", got, ids[2])
		}
		if len(res.Skipped) != 2 {
			t.Fatalf("len(Prune(...).Skipped) = %d; want 2: %v", len(res.Skipped), res.Skipped)
		}
		reasons := map[string]string{}
		for _, s := range res.Skipped {
			if !errors.Is(s.Err, ErrUnsafe) {
				t.Fatalf("Prune(...) skipped %s: Err = %v; want ErrUnsafe", s.RecordID, s.Err)
			}
			reasons[s.RecordID] = s.Err.Error()
			if diff := cmp.Diff([]string{"presentation", "video"}, s.Formats, cmpopts.SortSlices(strings.Compare)); diff != "" {
				t.Fatalf("Prune(...) skipped %s: Formats mismatch (-want +got), in any order:\n%s", s.RecordID, diff)
			}
		}
		if got := reasons[ids[0]]; !strings.Contains(got, "link") {
			t.Fatalf("Prune(...) skipped %s: Err = %q; want it to contain %q", ids[0], got, "link")
		}
		if got := reasons[ids[1]]; !strings.Contains(got, "symbolic link") {
			t.Fatalf("Prune(...) skipped %s: Err = %q; want it to contain %q", ids[1], got, "symbolic link")
		}
		for _, id := range ids[:2] {
			mustBeDir(t, filepath.Join(dir, "presentation", id))
		}
		_, err = os.Stat(filepath.Join(dir, "presentation", ids[2]))
		if got := os.IsNotExist(err); got != !dry {
			t.Fatalf("presentation/%s removed = %v; want %v (dry run %v)", ids[2], got, !dry, dry)
		}
		// The link's target is untouched.
		mustBeFile(t, filepath.Join(outside, "video", "metadata.xml"))
	}
}

// Prune reads nothing inside a recording it refuses: a metadata.xml that
// is a link to an endless file must not hang it.
func TestPruneDoesNotFollowLinksOfRefusedRecording(t *testing.T) {
	t.Parallel()
	dir, ids := newTree(t, genSpec{Recordings: 2, Seed: 33, Large: 10})
	md := filepath.Join(dir, "presentation", ids[0], "metadata.xml")
	if err := os.Remove(md); err != nil {
		t.Fatalf("os.Remove(metadata.xml): %v", err)
	}
	if err := os.Symlink("/dev/zero", md); err != nil {
		t.Fatalf("os.Symlink(\"/dev/zero\", metadata.xml): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := Prune(ctx, dir, WithKeep(0), WithDryRun(true))
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("Prune(...) = %v; want ErrIncomplete", err)
	}
	if len(res.Skipped) != 1 {
		t.Fatalf("len(Prune(...).Skipped) = %d; want 1: %v", len(res.Skipped), res.Skipped)
	}
	if got := res.Skipped[0].RecordID; got != ids[0] {
		t.Fatalf("Prune(...).Skipped[0].RecordID = %q; want %q", got, ids[0])
	}
}
