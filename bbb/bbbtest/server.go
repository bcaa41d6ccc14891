package bbbtest

import (
	"context"
	crand "crypto/rand"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/internal/fakeserver"
)

const apiPrefix = "/bigbluebutton/api/"

// Server is a fake BigBlueButton server: bbb-web's API, bbb-webhooks' hooks
// API and callbacks, with real state. All methods are safe for concurrent
// use.
type Server struct {
	// URL is the server's root, such as "http://127.0.0.1:40123", without
	// a trailing slash, as in httptest.Server, scalelitetest.Server and
	// greenlighttest.Server. The BigBlueButton API is at APIURL().
	URL string
	// Secret is the shared secret that signs API calls and callbacks.
	Secret string

	cfg    *config
	ln     fakeserver.Listener
	base   string       // public base URL, ending in "/bigbluebutton/"
	origin string       // scheme://host[:port] of base
	offset atomic.Int64 // nanoseconds /bbbtest/advance added to the clock
	tq     timerQueue

	mu           sync.RWMutex
	closed       bool
	meetings     []*meeting          // in creation order
	byExternal   map[string]*meeting // external meeting ID
	byInternal   map[string]*meeting // internal meeting ID
	sessions     map[string]*session // session token
	recordings   []*recording
	recByID      map[string]*recording
	hooks        []*hook
	voiceBridges map[string]bool
	timers       map[int]func() bool
	timerSeq     int
	lastCreateMS int64

	rngMu sync.Mutex
	rng   *rand.Rand

	faults faultState

	ctx        context.Context
	cancel     context.CancelFunc
	bg         sync.WaitGroup
	hookClient *http.Client
	transport  *http.Transport
}

// New returns a Server that is not listening yet, for programs: serve it
// as an http.Handler (the API is under /bigbluebutton/api/) with its public
// URL set by WithBaseURL, or call Start. New validates the options and
// reports the first bad one. Call Close when done: it stops the server's
// timers and background work.
func New(opts ...Option) (*Server, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("bbbtest: nil option")
		}
		if err := o(cfg); err != nil {
			return nil, err
		}
	}
	if cfg.baseURL == "" {
		cfg.baseURL = "http://127.0.0.1/bigbluebutton/"
	}
	if err := prepareRecordingsDir(cfg); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:          cfg,
		byExternal:   map[string]*meeting{},
		byInternal:   map[string]*meeting{},
		sessions:     map[string]*session{},
		recByID:      map[string]*recording{},
		voiceBridges: map[string]bool{},
		timers:       map[int]func() bool{},
		tq:           timerQueue{timers: map[int]*timer{}},
	}
	if cfg.seeded {
		s.rng = rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x9e3779b97f4a7c15))
	} else {
		var b [16]byte
		_, _ = crand.Read(b[:])
		s.rng = rand.New(rand.NewPCG(binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])))
	}
	s.Secret = cfg.secret
	if s.Secret == "" {
		s.Secret = s.randString(32, hexDigits)
	}
	s.setBaseURL(cfg.baseURL)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if cfg.customClock {
		registerCustomClock(s, true)
		s.bg.Add(1)
		go s.pollClock()
	}
	if cfg.hookClient != nil {
		s.hookClient = cfg.hookClient
	} else {
		s.transport = &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: cfg.hookTimeout}).DialContext,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     30 * time.Second,
		}
		s.hookClient = &http.Client{Transport: s.transport}
	}
	for _, p := range cfg.permanentHooks {
		s.hooks = append(s.hooks, &hook{
			id:        uuidV5URL(p.url),
			callback:  p.url,
			rawData:   p.getRaw,
			permanent: true,
		})
	}
	return s, nil
}

// NewServer starts a Server on a loopback port, like httptest.NewServer,
// and sets URL to its address. It panics if an option is invalid or no port
// can be opened; use New to get an error instead. Call Close when done.
func NewServer(opts ...Option) *Server {
	s := fakeserver.Must(New(opts...))
	s.Start()
	return s
}

// Start starts a Server made by New on a loopback port and sets URL to its
// address, like httptest.Server.Start. It panics if the server is already
// started or no port can be opened.
func (s *Server) Start() {
	s.setBaseURL(s.ln.Start("bbbtest", s) + "/bigbluebutton/")
}

func (s *Server) setBaseURL(base string) {
	s.base = base
	s.URL = strings.TrimSuffix(strings.TrimSuffix(base, "/bigbluebutton/"), "/")
	u, _ := url.Parse(base)
	s.origin = u.Scheme + "://" + u.Host
	if s.cfg.hookDomain == "" {
		s.cfg.hookDomain = u.Hostname()
	}
}

// APIURL returns the BigBlueButton API URL, ending in "/bigbluebutton/api/".
func (s *Server) APIURL() string { return s.base + "api/" }

// BBBClient returns a bbb.Client for the server's API, signed with Secret
// and sent through Client(). It panics if an option is invalid, like
// NewServer; call bbb.New(s.APIURL(), s.Secret, opts...) to get an error
// instead.
func (s *Server) BBBClient(opts ...bbb.Option) *bbb.Client {
	c, err := bbb.New(s.APIURL(), s.Secret, append([]bbb.Option{bbb.WithHTTPClient(s.Client())}, opts...)...)
	if err != nil {
		panic(err)
	}
	return c
}

// Close stops the listener (if NewServer started one), cancels pending
// webhook deliveries and timers, and waits for background work to finish.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.timers = map[int]func() bool{}
	s.mu.Unlock()
	registerCustomClock(s, false)
	s.stopTimers()
	s.cancel()
	s.ln.Close()
	s.bg.Wait()
	if s.transport != nil {
		s.transport.CloseIdleConnections()
	}
}

// Client returns an *http.Client for the server, like httptest's. With a
// server made by New and not started it returns a plain client.
func (s *Server) Client() *http.Client { return s.ln.Client() }

// callSpec describes one API call: the methods it accepts, the content
// types of POST bodies, and how it is authenticated.
type callSpec struct {
	get, post    bool
	contentTypes []string // nil: form and multipart
	auth         authKind
	handle       func(s *Server, w http.ResponseWriter, r *http.Request, q url.Values)
}

type authKind int

const (
	authChecksum authKind = iota
	authNone
	authSession
	authHooks
)

var (
	formTypes   = []string{"application/x-www-form-urlencoded", "multipart/form-data"}
	createTypes = []string{"application/x-www-form-urlencoded", "multipart/form-data", "application/xml", "text/xml"}
	xmlOnly     = []string{"application/xml"}
)

// calls is the routing table of the API.
var calls = callTable()

func callTable() map[string]callSpec {
	return map[string]callSpec{
		"create":                 {get: true, post: true, contentTypes: createTypes, handle: (*Server).apiCreate},
		"join":                   {get: true, handle: (*Server).apiJoin},
		"end":                    {get: true, post: true, handle: (*Server).apiEnd},
		"isMeetingRunning":       {get: true, post: true, handle: (*Server).apiIsMeetingRunning},
		"getMeetingInfo":         {get: true, post: true, handle: (*Server).apiGetMeetingInfo},
		"getMeetings":            {get: true, post: true, handle: (*Server).apiGetMeetings},
		"getSessions":            {get: true, post: true, handle: (*Server).apiGetSessions},
		"insertDocument":         {post: true, contentTypes: xmlOnly, handle: (*Server).apiInsertDocument},
		"sendChatMessage":        {get: true, handle: (*Server).apiSendChatMessage},
		"getJoinUrl":             {get: true, post: true, auth: authSession, handle: (*Server).apiGetJoinURL},
		"signOut":                {get: true, post: true, auth: authSession, handle: (*Server).apiSignOut},
		"learningDashboard":      {get: true, post: true, auth: authSession, handle: (*Server).apiLearningDashboard},
		"stuns":                  {get: true, post: true, auth: authSession, handle: (*Server).apiStuns},
		"getRecordings":          {get: true, post: true, handle: (*Server).apiGetRecordings},
		"publishRecordings":      {get: true, handle: (*Server).apiPublishRecordings},
		"deleteRecordings":       {get: true, handle: (*Server).apiDeleteRecordings},
		"updateRecordings":       {get: true, post: true, handle: (*Server).apiUpdateRecordings},
		"getRecordingTextTracks": {get: true, post: true, handle: (*Server).apiGetRecordingTextTracks},
		"putRecordingTextTrack":  {post: true, contentTypes: []string{"multipart/form-data"}, handle: (*Server).apiPutRecordingTextTrack},
		"hooks/create":           {get: true, auth: authHooks, handle: (*Server).apiHooksCreate},
		"hooks/destroy":          {get: true, auth: authHooks, handle: (*Server).apiHooksDestroy},
		"hooks/list":             {get: true, auth: authHooks, handle: (*Server).apiHooksList},
		"hooks/ping":             {get: true, auth: authNone, handle: (*Server).apiHooksPing},
	}
}

// ServeHTTP serves the BBB API under /bigbluebutton/api/, the API root at
// /bigbluebutton/api, and the test-control endpoints under /bbbtest/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.fireDue()
	path := r.URL.Path
	if strings.HasPrefix(path, "/bbbtest/") && !s.cfg.controlDisabled {
		s.serveControl(w, r)
		return
	}
	if s.serveClientPage(w, r) {
		return
	}
	var call string
	switch {
	case path == "/bigbluebutton/api" || path == apiPrefix:
		call = ""
	case strings.HasPrefix(path, apiPrefix):
		call = path[len(apiPrefix):]
	default:
		http.NotFound(w, r)
		return
	}
	if s.applyFaults(w, r, call) {
		return
	}
	if call == "" {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET")
			return
		}
		s.apiRoot(w)
		return
	}
	spec, ok := calls[call]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if !methodAllowed(w, r, spec) {
		return
	}
	q, body, ok := s.readParams(w, r, call, spec)
	if !ok || !s.authorize(w, r, call, spec, body) {
		return
	}
	spec.handle(s, w, r, q)
}

// methodAllowed answers 405 when the call does not take r's method.
func methodAllowed(w http.ResponseWriter, r *http.Request, spec callSpec) bool {
	switch {
	case (r.Method == http.MethodGet || r.Method == http.MethodHead) && spec.get,
		r.Method == http.MethodPost && spec.post:
		return true
	}
	methodNotAllowed(w, allowed(spec))
	return false
}

// authorize checks the request's checksum the way the call's server
// component does (bbb-web, or bbb-webhooks for hooks/*) and answers the
// refusal itself.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, call string, spec callSpec, body url.Values) bool {
	switch spec.auth {
	case authChecksum:
		if err := checksum.Verify(call, r.URL.RawQuery, s.Secret, s.cfg.accepted...); err != nil {
			s.fail(w, r, call, "checksumError", "Checksums do not match")
			return false
		}
		for k := range body {
			if _, dup := r.URL.Query()[k]; dup {
				s.fail(w, r, call, "checksumError", "Checksums do not match")
				return false
			}
		}
	case authHooks:
		sum, _, _ := checksum.Split(r.URL.RawQuery)
		accepted := s.cfg.accepted
		if s.cfg.hooksSHA1Only {
			accepted = []checksum.Algorithm{checksum.SHA1}
		}
		if err := checksum.Verify(call, r.URL.RawQuery, s.Secret, accepted...); err != nil || strings.ToLower(sum) != sum {
			// bbb-webhooks compares hex digits case-sensitively.
			s.writeHooksXML(w, hooksFailed("checksumError", "You must provide a valid checksum."))
			return false
		}
	}
	return true
}

// fail answers a refused request in the call's own format: JSON for the
// text-track calls, a redirect to the logout URL with errors=[...] for
// join (as bbb-web does for join's validation failures), XML otherwise.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, call, key, msg string) {
	switch {
	case isJSONCall(call):
		s.writeJSON(w, jsonFailed(key, msg))
	case call == "join":
		// Not signed: only an allow-listed errorRedirectUrl is followed.
		q := r.URL.Query()
		target := orDefault(q.Get("errorRedirectUrl"), q.Get("redirectErrorUrl"))
		if !s.redirectAllowed(target) {
			target = s.origin
		}
		redirectWithErrors(w, r, target, key, msg)
	default:
		s.writeXML(w, failedXML(key, msg))
	}
}

// redirectAllowed reports whether target is on WithErrorRedirectAllowList:
// same scheme and host as an entry, and a path under the entry's path.
func (s *Server) redirectAllowed(target string) bool {
	if target == "" {
		return false
	}
	u, err := url.Parse(target)
	if err != nil || u.User != nil {
		return false
	}
	for _, a := range s.cfg.redirectAllow {
		if strings.EqualFold(u.Scheme, a.Scheme) && strings.EqualFold(u.Host, a.Host) && strings.HasPrefix(u.EscapedPath(), a.EscapedPath()) {
			return true
		}
	}
	return false
}

func allowed(spec callSpec) string {
	switch {
	case spec.get && spec.post:
		return "GET, POST"
	case spec.post:
		return "POST"
	default:
		return "GET"
	}
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
}

// readParams merges the URL query with form fields of a POST body, and
// enforces the Content-Type rules of bbb-web 2.6.18+/2.7.8+/3.0. It returns
// the body's own form values separately so that the checksum step can
// refuse parameters sent twice.
func (s *Server) readParams(w http.ResponseWriter, r *http.Request, call string, spec callSpec) (q, bodyForm url.Values, ok bool) {
	q = r.URL.Query()
	if r.Method != http.MethodPost {
		return q, nil, true
	}
	hasBody := r.ContentLength > 0 || (r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody)
	ct := r.Header.Get("Content-Type")
	if !hasBody && ct == "" {
		return q, nil, true
	}
	mt, _, err := mime.ParseMediaType(ct)
	types := spec.contentTypes
	if types == nil {
		types = formTypes
	}
	if err != nil || !containsString(types, strings.ToLower(mt)) {
		s.fail(w, r, call, "unsupportedContentType", "POST request Content-Type is missing or unsupported")
		return nil, nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.maxBodyBytes)
	mt = strings.ToLower(mt)
	switch mt {
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			tooLargeOr400(w, err)
			return nil, nil, false
		}
		bodyForm = r.PostForm
	case "multipart/form-data":
		if err := r.ParseMultipartForm(s.cfg.maxBodyBytes); err != nil {
			tooLargeOr400(w, err)
			return nil, nil, false
		}
		if r.MultipartForm != nil {
			bodyForm = url.Values(r.MultipartForm.Value)
		}
	default:
		return q, nil, true // XML bodies are read by the handler
	}
	for k, v := range bodyForm {
		q[k] = append(q[k], v...)
	}
	return q, bodyForm, true
}

func tooLargeOr400(w http.ResponseWriter, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		http.Error(w, "413 request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	http.Error(w, "400 malformed request body", http.StatusBadRequest)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) writeXML(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/xml;charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	_, _ = w.Write(body)
}

func (s *Server) writeHooksXML(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write(body)
}

func (s *Server) writeJSON(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-cache")
	_, _ = w.Write(body)
}

// failedXML is bbb-web's api-error.ftlx.
func failedXML(key, message string) []byte {
	return messageXML("FAILED", key, message)
}

// successBoolXML is a SUCCESS response carrying one boolean element, the
// answer of isMeetingRunning and the recording calls.
func successBoolXML(name string, v bool) []byte {
	var x xmlWriter
	x.open("response")
	x.elem("returncode", "SUCCESS")
	x.boolElem(name, v)
	x.close("response")
	return x.b
}

// successMessageXML is a SUCCESS response carrying a messageKey and message.
func successMessageXML(key, message string) []byte {
	return messageXML("SUCCESS", key, message)
}

// messageXML is a response holding only a returncode, messageKey and message.
func messageXML(returnCode, key, message string) []byte {
	var x xmlWriter
	x.open("response")
	x.elem("returncode", returnCode)
	x.elem("messageKey", key)
	x.elem("message", message)
	x.close("response")
	return x.b
}

func (s *Server) apiRoot(w http.ResponseWriter) {
	var x xmlWriter
	host := strings.TrimPrefix(strings.TrimPrefix(s.origin, "https://"), "http://")
	ws := "ws://"
	if strings.HasPrefix(s.origin, "https://") {
		ws = "wss://"
	}
	x.open("response")
	x.elem("returncode", "SUCCESS")
	x.elem("version", "2.0")
	x.elem("apiVersion", "2.0")
	x.elem("bbbVersion", s.cfg.bbbVersion)
	x.elem("html5PluginSdkVersion", s.cfg.pluginSdk)
	x.elem("graphqlWebsocketUrl", ws+host+"/graphql")
	x.elem("graphqlApiUrl", s.origin+"/api/rest")
	x.close("response")
	s.writeXML(w, x.b)
}

const (
	hexDigits   = "0123456789abcdef"
	lowerAlnum  = "abcdefghijklmnopqrstuvwxyz0123456789"
	decimalDigs = "0123456789"
)

func (s *Server) randString(n int, alphabet string) string {
	b := make([]byte, n)
	s.rngMu.Lock()
	for i := range b {
		b[i] = alphabet[s.rng.IntN(len(alphabet))]
	}
	s.rngMu.Unlock()
	return string(b)
}

func (s *Server) randIntN(n int) int {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	return s.rng.IntN(n)
}

// uuid returns a random (version 4) UUID, the hook ID format of
// bbb-webhooks 3.x.
func (s *Server) uuid() string {
	var b [16]byte
	s.rngMu.Lock()
	binary.LittleEndian.PutUint64(b[:8], s.rng.Uint64())
	binary.LittleEndian.PutUint64(b[8:], s.rng.Uint64())
	s.rngMu.Unlock()
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// uuidV5URL is the name-based (SHA-1, version 5) UUID of u in the URL
// namespace: bbb-webhooks 3.x gives permanent hooks this ID.
func uuidV5URL(u string) string {
	ns := [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(u))
	var b [16]byte
	copy(b[:], h.Sum(nil))
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// schedule runs f after d on the server's clock unless the server is
// closed first. Callers hold s.mu.
func (s *Server) scheduleLocked(d time.Duration, f func()) int {
	if s.closed {
		return 0
	}
	s.timerSeq++
	id := s.timerSeq
	s.timers[id] = s.afterFunc(d, func() {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return
		}
		if _, ok := s.timers[id]; !ok {
			s.mu.Unlock()
			return
		}
		delete(s.timers, id)
		s.bg.Add(1)
		s.mu.Unlock()
		defer s.bg.Done()
		f()
	})
	return id
}

func (s *Server) cancelTimerLocked(id int) {
	if stop, ok := s.timers[id]; ok {
		stop()
		delete(s.timers, id)
	}
}
