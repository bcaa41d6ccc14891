package mirror

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// The call names signed by the export endpoint's checksums, in the BBB
// style: checksum = hex(H(call + query + secret)).
const (
	CallManifest = "manifest"
	CallFile     = "file"
)

// MaxLinkAge is how far in the future a signed export URL's expires
// parameter may lie. Links expiring later are refused.
const MaxLinkAge = 24 * time.Hour

// Handler serves a published tree as a read-only export endpoint:
//
//	GET <prefix>/manifest?expires=<unix>&checksum=<hex>
//	GET <prefix>/file?expires=<unix>&format=<f>&path=<p>&record=<id>&checksum=<hex>
//	GET <prefix>/bundle?expires=<unix>&format=<f>&max=<bytes>&record=<id>&checksum=<hex>
//
// The checksum is computed as for the BBB API with the shared secret, over
// the call name ("manifest", "file" or "bundle") and the raw query; expires bounds how
// long a signed URL can be replayed. The manifest is JSON (see Manifest)
// with the SHA-256 of every file; files are served with Range, If-Range and
// If-Match support, their ETag being the quoted SHA-256; a bundle is a tar
// of every file of a format directory up to max bytes. Only GET and HEAD
// are accepted, and files are opened inside the tree so that no request can
// reach outside it.
type Handler struct {
	src     *DirSource
	secret  string
	allowed []checksum.Algorithm
	now     func() time.Time

	mu sync.Mutex // serialises manifest builds
}

// NewHandler returns a Handler serving the published tree at dir, signed
// with secret (which must not be empty).
func NewHandler(dir, secret string, opts ...HandlerOption) (*Handler, error) {
	if secret == "" {
		return nil, errors.New("mirror: handler: empty secret")
	}
	src, err := NewDirSource(dir, WithHashes(true))
	if err != nil {
		return nil, err
	}
	src.links = refuseHardLinks
	h := &Handler{src: src, secret: secret, now: time.Now}
	for _, o := range opts {
		if o == nil {
			return nil, errNilOption
		}
		if err := o.applyHandler(h); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// HashCache returns the cache of file hashes, for example to Save it.
func (h *Handler) HashCache() *HashCache { return h.src.cache }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeErr(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	var call string
	switch {
	case strings.HasSuffix(r.URL.Path, "/"+CallManifest) || r.URL.Path == CallManifest:
		call = CallManifest
	case strings.HasSuffix(r.URL.Path, "/"+CallFile) || r.URL.Path == CallFile:
		call = CallFile
	case strings.HasSuffix(r.URL.Path, "/"+CallBundle) || r.URL.Path == CallBundle:
		call = CallBundle
	default:
		writeErr(w, http.StatusNotFound, "no such endpoint")
		return
	}
	if err := checksum.Verify(call, r.URL.RawQuery, h.secret, h.allowed...); err != nil {
		writeErr(w, http.StatusUnauthorized, err.Error())
		return
	}
	q := r.URL.Query()
	exp, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	now := h.now()
	if err != nil || time.Unix(exp, 0).Before(now) || time.Unix(exp, 0).After(now.Add(MaxLinkAge)) {
		writeErr(w, http.StatusUnauthorized, "link expired or without a valid expires parameter")
		return
	}
	if call == CallManifest {
		h.serveManifest(w, r)
		return
	}
	if call == CallBundle {
		h.serveBundle(w, r, q.Get("record"), q.Get("format"), q.Get("max"))
		return
	}
	h.serveFile(w, r, q.Get("record"), q.Get("format"), q.Get("path"))
}

func (h *Handler) serveManifest(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	m, err := h.src.Manifest(r.Context())
	broken := h.src.Broken()
	h.mu.Unlock()
	if err != nil {
		if r.Context().Err() != nil {
			return
		}
		writeErr(w, http.StatusInternalServerError, "cannot read the tree")
		return
	}
	m.Skipped = skippedList(broken)
	var buf bytes.Buffer
	if err := m.Encode(&buf); err != nil {
		writeErr(w, http.StatusInternalServerError, "cannot encode the manifest")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(buf.Bytes()))
}

func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, id, format, rel string) {
	f, err := openInTree(h.src.dir, id, format, rel)
	if err != nil {
		switch {
		case errors.Is(err, ErrUnsafe):
			writeErr(w, http.StatusBadRequest, "invalid record, format or path")
		case errors.Is(err, ErrNotFound), errors.Is(err, fs.ErrNotExist):
			writeErr(w, http.StatusNotFound, "no such file")
		default:
			writeErr(w, http.StatusNotFound, "no such file")
		}
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		writeErr(w, http.StatusNotFound, "no such file")
		return
	}
	if err := checkLinks(rel, fi, h.src.links); err != nil {
		writeErr(w, http.StatusForbidden, "file has more than one hard link; the server does not serve those unless allowed (serve -allow-hardlinks)")
		return
	}
	sum, err := hashFile(h.src.cache, filepath.Join(h.src.dir, format, id, filepath.FromSlash(rel)), fi.Size(), fi.ModTime())
	if err != nil {
		writeErr(w, http.StatusServiceUnavailable, "file is changing")
		return
	}
	w.Header().Set("ETag", `"`+sum+`"`)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

type errorBody struct {
	Error string `json:"error"`
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(errorBody{Error: msg})
}

// skippedList turns the recordings a scan left out into the manifest's
// list, sorted by ID.
func skippedList(broken map[string]error) []Skipped {
	out := make([]Skipped, 0, len(broken))
	for id, err := range broken {
		reason := err.Error()
		if len(reason) > MaxSkippedReason {
			reason = strings.ToValidUTF8(reason[:MaxSkippedReason], "")
		}
		out = append(out, Skipped{ID: id, Reason: reason})
	}
	slices.SortFunc(out, func(a, b Skipped) int { return strings.Compare(a.ID, b.ID) })
	return out
}
