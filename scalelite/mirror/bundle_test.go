package mirror

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
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
			if err != nil {
				t.Fatalf("NewHandler(...): %v", err)
			}
			ch := &countingHandler{h: h, breakBundle: tc.breakB, truncate: tc.trunc}
			srv := httptest.NewServer(ch)
			t.Cleanup(srv.Close)
			dst := t.TempDir()
			res, err := Sync(context.Background(), httpSource(t, srv.URL, testSecret), dst)
			if err != nil {
				t.Fatalf("Sync(...): %v", err)
			}
			requireSameTree(t, src, dst)
			all := treeFiles(t, src)
			files := int64(len(all))
			var empty int64 // empty files need no request at all
			for _, b := range all {
				if len(b) == 0 {
					empty++
				}
			}
			if int64(res.Files) != files {
				t.Fatalf("Sync(...).Files = %d; want %d", res.Files, files)
			}
			if n := ch.bundle.Load(); n != 6 {
				t.Fatalf("bundle requests = %d; want 6 (one bundle per format directory)", n)
			}
			switch n := ch.files.Load(); {
			case tc.breakB:
				if n != files-empty {
					t.Fatalf("file requests = %d; want %d", n, files-empty)
				}
			case tc.trunc:
				if n >= files {
					t.Fatalf("file requests = %d; want < %d", n, files)
				}
				if n <= 3 {
					t.Fatalf("file requests = %d; want > 3", n)
				}
			default:
				// Only the webcam streams (larger than a bundle takes) go alone.
				if n != 3 {
					t.Fatalf("file requests = %d; want 3", n)
				}
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
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("OpenBundle(id, \"video\", 100) = %v; want ErrNotFound", err)
	}
	_, err = s.OpenBundle(context.Background(), "..", "presentation", 100)
	if err == nil {
		t.Fatalf("OpenBundle(\"..\", \"presentation\", 100) = nil error; want an error")
	}
	_, err = s.OpenBundle(context.Background(), ids[0], "presentation", maxBundleFile+1)
	if err == nil {
		t.Fatalf("OpenBundle(id, \"presentation\", maxBundleFile+1) = nil error; want an error")
	}
	rc, err := s.OpenBundle(context.Background(), ids[0], "presentation", 100)
	if err != nil {
		t.Fatalf("OpenBundle(id, \"presentation\", 100): %v", err)
	}
	rc.Close()
	bad := httpSource(t, srv.URL+"/mirror/", "wrong")
	_, err = bad.OpenBundle(context.Background(), ids[0], "presentation", 100)
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("OpenBundle(...) with the wrong secret = %v; want ErrUnauthorized", err)
	}
}
