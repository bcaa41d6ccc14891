package mirror

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// Every option checks its value in the constructor and names itself in the
// error; nothing is written for a refused option.
func TestOptionsValidatedInConstructors(t *testing.T) {
	t.Parallel()
	src, _ := newTree(t, genSpec{Recordings: 1, Seed: 9, Large: 10})
	ctx := context.Background()
	syncWith := func(o Option) error {
		_, err := Sync(ctx, dirSource(t, src), t.TempDir(), o)
		return err
	}
	dirWith := func(o DirOption) error { _, err := NewDirSource(src, o); return err }
	handlerWith := func(o HandlerOption) error { _, err := NewHandler(src, "s", o); return err }
	httpWith := func(o HTTPOption) error { _, err := NewHTTPSource("http://127.0.0.1/", "s", o); return err }
	importWith := func(o ImportOption) error {
		_, err := Import(ctx, bytes.NewReader(buildTar(t, good())), t.TempDir(), t.TempDir(), o)
		return err
	}
	pruneWith := func(o PruneOption) error { _, err := Prune(ctx, t.TempDir(), WithKeep(1), o); return err }
	cases := []struct {
		name string
		err  error
	}{
		{"WithConcurrency", syncWith(WithConcurrency(0))},
		{"WithBandwidthLimit", syncWith(WithBandwidthLimit(-1))},
		{"WithLimiter", syncWith(WithLimiter(nil))},
		{"WithStagingDir", syncWith(WithStagingDir(""))},
		{"WithRetries", syncWith(WithRetries(-1))},
		{"WithRetryDelay", syncWith(WithRetryDelay(-time.Second))},
		{"WithHashCache", syncWith(WithHashCache(nil))},
		{"WithScanWorkers", syncWith(WithScanWorkers(0))},
		{"WithHashCache", dirWith(WithHashCache(nil))},
		{"WithScanWorkers", dirWith(WithScanWorkers(-2))},
		{"WithHashCache", handlerWith(WithHashCache(nil))},
		{"WithClock", handlerWith(WithClock(nil))},
		{"WithAcceptedChecksums", handlerWith(WithAcceptedChecksums())},
		{"WithAcceptedChecksums", handlerWith(WithAcceptedChecksums(checksum.Algorithm(99)))},
		{"WithHTTPClient", httpWith(WithHTTPClient(nil))},
		{"WithChecksum", httpWith(WithChecksum(checksum.Algorithm(0)))},
		{"WithMaxManifestSize", httpWith(WithMaxManifestSize(0))},
		{"WithClock", httpWith(WithClock(nil))},
		{"WithMaxFileSize", importWith(WithMaxFileSize(0))},
		{"WithMaxArchiveSize", importWith(WithMaxArchiveSize(-1))},
		{"WithMaxEntries", importWith(WithMaxEntries(0))},
		{"WithWorkDir", importWith(WithWorkDir(""))},
		{"WithOlderThan", pruneWith(WithOlderThan(0))},
		{"WithKeep", pruneWith(WithKeep(-1))},
		{"WithClock", pruneWith(WithClock(nil))},
		{"nil option", syncWith(nil)},
	}
	for _, tc := range cases {
		if tc.err == nil {
			t.Fatalf("tc.err = nil; want an error (%s)", tc.name)
		}
		if tc.name != "nil option" {
			if got := tc.err.Error(); !strings.Contains(got, tc.name) {
				t.Fatalf("tc.err.Error() = %q; want it to contain %q", got, tc.name)
			}
		}
	}
}
