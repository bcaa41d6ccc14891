package mirror

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// countingHandler counts requests per endpoint and can break bundles.
type countingHandler struct {
	h             http.Handler
	files, bundle atomic.Int64
	breakBundle   bool
	truncate      bool
}

func (c *countingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasSuffix(r.URL.Path, "/file"):
		c.files.Add(1)
	case strings.HasSuffix(r.URL.Path, "/bundle"):
		c.bundle.Add(1)
		if c.breakBundle {
			http.Error(w, "broken", http.StatusInternalServerError)
			return
		}
		if c.truncate {
			rec := httptest.NewRecorder()
			c.h.ServeHTTP(rec, r)
			w.WriteHeader(200)
			w.Write(rec.Body.Bytes()[:rec.Body.Len()/2])
			return
		}
	}
	c.h.ServeHTTP(w, r)
}

func TestHTTPSyncBundlesSmallFiles(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name          string
		breakB, trunc bool
	}{
		{"bundle works", false, false},
		{"bundle refused: files one by one", true, false},
		{"bundle cut short: the rest one by one", false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src, _ := newTree(t, genSpec{Recordings: 3, Seed: 51, Large: 300 << 10, Video: 1 << 10, Slides: 10})
			h, err := NewHandler(src, testSecret)
			require.NoError(t, err)
			ch := &countingHandler{h: h, breakBundle: tc.breakB, truncate: tc.trunc}
			srv := httptest.NewServer(ch)
			t.Cleanup(srv.Close)
			dst := t.TempDir()
			res, err := Sync(context.Background(), httpSource(t, srv.URL, testSecret), dst)
			require.NoError(t, err)
			requireSameTree(t, src, dst)
			all := treeFiles(t, src)
			files := int64(len(all))
			var empty int64 // empty files need no request at all
			for _, b := range all {
				if len(b) == 0 {
					empty++
				}
			}
			require.EqualValues(t, files, res.Files)
			require.EqualValues(t, 6, ch.bundle.Load(), "one bundle per format directory")
			switch {
			case tc.breakB:
				require.Equal(t, files-empty, ch.files.Load())
			case tc.trunc:
				require.Less(t, ch.files.Load(), files)
				require.Greater(t, ch.files.Load(), int64(3))
			default:
				// Only the webcam streams (larger than a bundle takes) go alone.
				require.EqualValues(t, 3, ch.files.Load())
			}
		})
	}
}

func TestHandlerBundleRequests(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 1, Seed: 52, Large: 10})
	srv := newExport(t, src)
	s := httpSource(t, srv.URL+"/mirror/", testSecret)
	_, err := s.OpenBundle(context.Background(), ids[0], "video", 100)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.OpenBundle(context.Background(), "..", "presentation", 100)
	require.Error(t, err)
	_, err = s.OpenBundle(context.Background(), ids[0], "presentation", maxBundleFile+1)
	require.Error(t, err)
	rc, err := s.OpenBundle(context.Background(), ids[0], "presentation", 100)
	require.NoError(t, err)
	rc.Close()
	bad := httpSource(t, srv.URL+"/mirror/", "wrong")
	_, err = bad.OpenBundle(context.Background(), ids[0], "presentation", 100)
	require.ErrorIs(t, err, ErrUnauthorized)
}
