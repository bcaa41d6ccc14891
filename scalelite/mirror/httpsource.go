package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/internal/httpcore"
)

// HTTPSource reads recordings from an export endpoint served by Handler.
// Its requests go through bbbkit's shared HTTP core: errors carry the
// redacted URL and never the signed one, text the endpoint sends is
// redacted, and WithLogger/WithObserver see every attempt as they do for
// the other bbbkit clients.
type HTTPSource struct {
	base     *url.URL
	secret   string
	alg      checksum.Algorithm
	cfg      httpcore.Config
	maxMan   int64
	now      func() time.Time
	linkLife time.Duration
	core     *httpcore.Client // capped at maxMan; file and bundle streams set their own cap (streamCap)

	mu      sync.Mutex
	skipped []Skipped // from the last manifest
}

// Broken returns the recordings the endpoint's last manifest left out, with
// the endpoint's reason (see Manifest.Skipped); Sync reports them as failed
// and does not delete them from the destination.
func (s *HTTPSource) Broken() map[string]error {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]error, len(s.skipped))
	for _, sk := range s.skipped {
		out[sk.ID] = &SkippedError{RecordID: sk.ID, Reason: sk.Reason}
	}
	return out
}

// NewHTTPSource returns a source reading from the export endpoint at
// baseURL (the prefix under which Handler is mounted; "manifest" and "file"
// are appended), authenticated with secret.
func NewHTTPSource(baseURL, secret string, opts ...HTTPOption) (*HTTPSource, error) {
	u, err := httpcore.ParseAbsoluteURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("mirror: invalid export URL %q", redact(baseURL))
	}
	if secret == "" {
		return nil, errors.New("mirror: empty secret")
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery, u.Fragment = "", ""
	s := &HTTPSource{base: u, secret: secret, alg: checksum.SHA256, now: time.Now, linkLife: 10 * time.Minute,
		maxMan: DefaultMaxManifestSize, cfg: httpcore.Config{Service: "mirror", HTTPClient: defaultClient()}}
	for _, o := range opts {
		if o == nil {
			return nil, errNilOption
		}
		if err := o.applyHTTP(s); err != nil {
			return nil, err
		}
	}
	cfg := s.cfg
	cfg.MaxResponseBytes = s.maxMan + 1 // DecodeManifest names the limit itself
	s.core = httpcore.New(cfg)
	return s, nil
}

// streamCap is the Request.MaxBytes of file and bundle streams: a file is
// checked against its size, not against the manifest's cap.
const streamCap = math.MaxInt64 / 2

// redact drops the query of a URL given by the user, which may carry a
// checksum.
func redact(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		return raw[:i]
	}
	return raw
}

// signedURL builds <base><call>?<query>&checksum=<sum>.
func (s *HTTPSource) signedURL(call string, q url.Values) string {
	q.Set("expires", strconv.FormatInt(s.now().Add(s.linkLife).Unix(), 10))
	query := q.Encode()
	sum := checksum.Sum(s.alg, call, query, s.secret)
	u := *s.base
	u.Path += call
	u.RawQuery = query + "&checksum=" + sum
	return u.String()
}

// request is a GET of call through the shared core. Every status is
// handed back so that the endpoint's own refusals become *HTTPError with
// its (redacted) message.
func (s *HTTPSource) request(call string, q url.Values, header http.Header) *httpcore.Request {
	return &httpcore.Request{Call: call, URL: s.signedURL(call, q), Header: header, Idempotent: true,
		Secrets: []string{s.secret}, Accept: func(int) bool { return true }}
}

// stream sends r and returns the answer as a stream when its status is
// one of ok; any other answer becomes an *HTTPError.
func (s *HTTPSource) stream(ctx context.Context, r *httpcore.Request, ok ...int) (*httpcore.Response, error) {
	resp, err := s.core.Stream(ctx, r)
	if err != nil {
		return nil, err
	}
	if slices.Contains(ok, resp.StatusCode) {
		resp.Done(nil)
		return resp, nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Stream, 4096))
	resp.Stream.Close()
	return nil, resp.Done(httpError(r.Call, resp, b))
}

// httpError is the endpoint's refusal, its message redacted.
func httpError(op string, resp *httpcore.Response, b []byte) error {
	var body errorBody
	msg := http.StatusText(resp.StatusCode)
	if json.Unmarshal(b, &body) == nil && body.Error != "" {
		msg = resp.Redact(body.Error)
	}
	return &HTTPError{Op: op, StatusCode: resp.StatusCode, Message: msg}
}

// Manifest fetches and validates the endpoint's manifest.
func (s *HTTPSource) Manifest(ctx context.Context) (*Manifest, error) {
	resp, err := s.stream(ctx, s.request(CallManifest, url.Values{}, nil), http.StatusOK)
	if err != nil {
		return nil, err
	}
	defer resp.Stream.Close()
	m, err := DecodeManifest(resp.Stream, s.maxMan)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.skipped = m.Skipped
	s.mu.Unlock()
	for i := range m.Recordings {
		for j := range m.Recordings[i].Formats {
			for k := range m.Recordings[i].Formats[j].Files {
				if m.Recordings[i].Formats[j].Files[k].SHA256 == "" {
					return nil, errors.New("mirror: manifest: export endpoint did not send hashes")
				}
			}
		}
	}
	return m, nil
}

// Open fetches one file from offset. If-Match with the manifest's hash makes
// the endpoint refuse a file that changed since (ErrSourceChanged).
func (s *HTTPSource) Open(ctx context.Context, recordID, format string, want File, offset int64) (io.ReadCloser, error) {
	if offset < 0 || offset > want.Size {
		return nil, fmt.Errorf("mirror: offset %d out of range", offset)
	}
	if offset == want.Size {
		return io.NopCloser(strings.NewReader("")), nil
	}
	header := http.Header{}
	if want.SHA256 != "" {
		header.Set("If-Match", `"`+want.SHA256+`"`)
	}
	status := http.StatusOK
	if offset > 0 {
		header.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
		status = http.StatusPartialContent
	}
	q := url.Values{"record": {recordID}, "format": {format}, "path": {want.Path}}
	r := s.request(CallFile, q, header)
	r.MaxBytes = streamCap
	resp, err := s.stream(ctx, r, status)
	if err != nil {
		return nil, err
	}
	if offset > 0 {
		var start, end, size int64
		if _, err := fmt.Sscanf(resp.Header.Get("Content-Range"), "bytes %d-%d/%d", &start, &end, &size); err != nil || start != offset || size != want.Size {
			resp.Stream.Close()
			return nil, fmt.Errorf("mirror: file: unexpected Content-Range: %w", ErrSourceChanged)
		}
	}
	return &bodyReader{rc: resp.Stream, left: want.Size - offset}, nil
}

// bodyReader turns a body that ends early into io.ErrUnexpectedEOF (a
// transient error Sync resumes after).
type bodyReader struct {
	rc   io.ReadCloser
	left int64
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if err == io.EOF && b.left > 0 {
		err = io.ErrUnexpectedEOF
	} else if err == io.EOF {
		err = nil
	}
	return n, err
}

func (b *bodyReader) Close() error { return b.rc.Close() }

// defaultClient keeps enough idle connections for concurrent transfers
// (http.DefaultTransport keeps only two per host).
func defaultClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	return &http.Client{Transport: t}
}
