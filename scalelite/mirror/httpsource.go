package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// HTTPSource reads recordings from an export endpoint served by Handler.
type HTTPSource struct {
	base     *url.URL
	secret   string
	alg      checksum.Algorithm
	client   *http.Client
	maxMan   int64
	now      func() time.Time
	linkLife time.Duration

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
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("mirror: invalid export URL %q", redact(baseURL))
	}
	if secret == "" {
		return nil, errors.New("mirror: empty secret")
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery, u.Fragment = "", ""
	s := &HTTPSource{base: u, secret: secret, alg: checksum.SHA256, client: defaultClient(), now: time.Now, linkLife: 10 * time.Minute}
	for _, o := range opts {
		if o == nil {
			return nil, errNilOption
		}
		if err := o.applyHTTP(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

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

func (s *HTTPSource) do(ctx context.Context, op string, req *http.Request) (*http.Response, error) {
	resp, err := s.client.Do(req.WithContext(ctx))
	if err != nil {
		// *url.Error carries the signed URL; keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("mirror: %s: %w", op, err)
	}
	return resp, nil
}

func httpError(op string, resp *http.Response) error {
	var body errorBody
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	msg := http.StatusText(resp.StatusCode)
	if json.Unmarshal(b, &body) == nil && body.Error != "" {
		msg = body.Error
	}
	return &HTTPError{Op: op, StatusCode: resp.StatusCode, Message: msg}
}

// Manifest fetches and validates the endpoint's manifest.
func (s *HTTPSource) Manifest(ctx context.Context) (*Manifest, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.signedURL(CallManifest, url.Values{}), nil)
	if err != nil {
		return nil, fmt.Errorf("mirror: manifest: %w", err)
	}
	resp, err := s.do(ctx, CallManifest, req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, httpError(CallManifest, resp)
	}
	m, err := DecodeManifest(resp.Body, s.maxMan)
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
	q := url.Values{"record": {recordID}, "format": {format}, "path": {want.Path}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.signedURL(CallFile, q), nil)
	if err != nil {
		return nil, fmt.Errorf("mirror: file: %w", err)
	}
	if want.SHA256 != "" {
		req.Header.Set("If-Match", `"`+want.SHA256+`"`)
	}
	if offset > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
	}
	resp, err := s.do(ctx, CallFile, req)
	if err != nil {
		return nil, err
	}
	ok := (offset == 0 && resp.StatusCode == http.StatusOK) || (offset > 0 && resp.StatusCode == http.StatusPartialContent)
	if !ok {
		defer resp.Body.Close()
		return nil, httpError(CallFile, resp)
	}
	if offset > 0 {
		var start, end, size int64
		if _, err := fmt.Sscanf(resp.Header.Get("Content-Range"), "bytes %d-%d/%d", &start, &end, &size); err != nil || start != offset || size != want.Size {
			resp.Body.Close()
			return nil, fmt.Errorf("mirror: file: unexpected Content-Range: %w", ErrSourceChanged)
		}
	}
	return &bodyReader{rc: resp.Body, left: want.Size - offset}, nil
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
