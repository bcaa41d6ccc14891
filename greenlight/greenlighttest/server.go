package greenlighttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bbbkit/bbbkit/greenlight"
	"github.com/bbbkit/bbbkit/internal/fakeserver"
)

// SessionCookie is the name of Greenlight v3's session cookie.
const SessionCookie = "_greenlight-3_0_session"

// Default credentials of the seeded administrator (the same as Greenlight's
// `rake admin:create` defaults).
const (
	DefaultAdminName     = "Administrator"
	DefaultAdminEmail    = "admin@example.com"
	DefaultAdminPassword = "Administrator1!"
)

// Server is a fake Greenlight v3 API on a loopback listener. It keeps real
// state (users, roles, rooms, settings, shares, meetings, recordings) and
// enforces Greenlight's request rules: ".json" paths and an Accept header
// with application/json (otherwise the single-page app's HTML), a CSRF token
// from the page on every write, a cookie session bound to the user's session
// token, and the role permissions of PermissionsChecker.
type Server struct {
	// URL is the server's root, for example "http://127.0.0.1:41234",
	// without a trailing slash, as in httptest.Server, bbbtest.Server and
	// scalelitetest.Server; empty until Start. It is also the base URL
	// greenlight.New takes.
	URL string

	ln  fakeserver.Listener
	cfg config

	mu           sync.Mutex
	roles        []*role
	users        []*user // creation order
	rooms        []*room // creation order
	recordings   []*recording
	sessions     map[string]*session // cookie value -> session
	roomsConfig  map[string]string   // setting -> "optional"/"default_enabled"/"true"/"false"
	externalAuth bool
	signIns      int
}

type config struct {
	adminName, adminEmail, adminPassword string
	pageSize                             int
	csrfStatus                           int
	now                                  func() time.Time
}

// Option configures New and NewServer.
type Option func(*config) error

// WithAdmin seeds the administrator with these credentials instead of the defaults.
func WithAdmin(name, email, password string) Option {
	return func(c *config) error {
		if name == "" || email == "" || !validPassword(password) {
			return errors.New("greenlighttest: WithAdmin: name, email and a strong password are required")
		}
		c.adminName, c.adminEmail, c.adminPassword = name, email, password
		return nil
	}
}

// WithPageSize sets the page size of the admin lists (default 25).
func WithPageSize(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return errors.New("greenlighttest: WithPageSize: must be at least 1")
		}
		c.pageSize = n
		return nil
	}
}

// WithCSRFFailureStatus sets how a refused CSRF token is answered: 422 with
// "InvalidAuthenticityToken" (the default, Rails' own answer) or 500 with
// "SomethingWentWrong" (what Greenlight's API rescue turns it into).
func WithCSRFFailureStatus(code int) Option {
	return func(c *config) error {
		if code != http.StatusUnprocessableEntity && code != http.StatusInternalServerError {
			return errors.New("greenlighttest: WithCSRFFailureStatus: 422 or 500")
		}
		c.csrfStatus = code
		return nil
	}
}

// WithClock sets the clock used for timestamps.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("greenlighttest: WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// NewServer starts a fake Greenlight with one administrator and no other
// users on a loopback port, for tests. It panics if an option is invalid;
// use New to get an error instead. Close it when done.
func NewServer(opts ...Option) *Server {
	s := fakeserver.Must(New(opts...))
	s.Start()
	return s
}

// New returns a fake Greenlight with one administrator and no other users
// that is not listening yet, for programs: serve it as an http.Handler or
// call Start. It reports the first bad option.
func New(opts ...Option) (*Server, error) {
	cfg := config{
		adminName: DefaultAdminName, adminEmail: DefaultAdminEmail, adminPassword: DefaultAdminPassword,
		pageSize: 25, csrfStatus: http.StatusUnprocessableEntity, now: time.Now,
	}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("greenlighttest: nil option")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	s := &Server{
		cfg:         cfg,
		roles:       defaultRoles(),
		sessions:    map[string]*session{},
		roomsConfig: map[string]string{},
	}
	for name := range defaultSettings() {
		s.roomsConfig[name] = "optional"
	}
	if _, err := s.AddUser(cfg.adminName, cfg.adminEmail, cfg.adminPassword, RoleAdministrator); err != nil {
		return nil, err
	}
	return s, nil
}

// Start starts a Server made by New on a loopback port and sets URL, like
// httptest.Server.Start. It panics if the server is already started.
func (s *Server) Start() { s.URL = s.ln.Start("greenlighttest", s) }

// Close shuts the listener down, if Start opened one.
func (s *Server) Close() { s.ln.Close() }

// Client returns an *http.Client for the server, like httptest's. Before
// Start it returns a plain client.
func (s *Server) Client() *http.Client { return s.ln.Client() }

// GreenlightClient returns a greenlight.Client for the server, not signed
// in, sent through Client(). It panics if an option is invalid, like
// NewServer; call greenlight.New(s.URL, opts...) to get an error instead.
func (s *Server) GreenlightClient(opts ...greenlight.Option) *greenlight.Client {
	c, err := greenlight.New(s.URL, append([]greenlight.Option{greenlight.WithHTTPClient(s.Client())}, opts...)...)
	if err != nil {
		panic(err)
	}
	return c
}

// AddUser creates an active, verified local user with the given role
// (RoleAdministrator, RoleUser, RoleGuest or RoleSuperAdmin), like
// `rake user:create`, and returns its id. No default room is created.
func (s *Server) AddUser(name, email, password, roleName string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.roleByName(roleName)
	if r == nil {
		return "", fmt.Errorf("greenlighttest: unknown role %q", roleName)
	}
	if name == "" || !validEmail(email) || !validPassword(password) {
		return "", errors.New("greenlighttest: AddUser: name, a valid email and a strong password are required")
	}
	if s.userByEmail(email) != nil {
		return "", fmt.Errorf("greenlighttest: email %q already taken", email)
	}
	u := s.newUser(name, email, password, r)
	return u.id, nil
}

// ExpireSessions invalidates every signed-in session, as signing in
// elsewhere does in Greenlight (each user gets a new session token). CSRF
// tokens stay valid; the next authenticated call answers 401.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		u.sessionToken = randomHex(16)
	}
}

// DropSessions forgets every cookie session, as rotating Greenlight's
// secret_key_base does: CSRF tokens and sessions both become invalid.
func (s *Server) DropSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions = map[string]*session{}
}

// SetExternalAuth simulates OpenID Connect being enabled: only the
// SuperAdmin may sign in with a password and users cannot be created.
func (s *Server) SetExternalAuth(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.externalAuth = on
}

// SetRoomsConfiguration sets the administrator's rooms configuration of a
// setting: "optional", "default_enabled", "true" (forced on) or "false"
// (disabled).
func (s *Server) SetRoomsConfiguration(name, value string) error {
	switch value {
	case "optional", "default_enabled", "true", "false":
	default:
		return fmt.Errorf("greenlighttest: rooms configuration value %q", value)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.roomsConfig[name]; !ok {
		return fmt.Errorf("greenlighttest: unknown setting %q", name)
	}
	s.roomsConfig[name] = value
	return nil
}

// AddRecording adds a finished recording to a room (what the
// /recording_ready callback does) and returns its record id.
func (s *Server) AddRecording(friendlyID, name, visibility string, lengthMinutes int) (string, error) {
	switch visibility {
	case "Published", "Unpublished", "Protected", "Public", "Public/Protected":
	default:
		return "", fmt.Errorf("greenlighttest: visibility %q", visibility)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rm := s.roomByFID(friendlyID)
	if rm == nil {
		return "", fmt.Errorf("greenlighttest: no room %q", friendlyID)
	}
	now := s.cfg.now().UTC()
	rec := &recording{
		id: newUUID(), recordID: randomHex(20) + "-" + fmt.Sprint(now.UnixMilli()), roomID: rm.id, name: name,
		visibility: visibility, length: lengthMinutes, participants: 1, protectable: false,
		created: now, recorded: now,
	}
	rec.formats = []format{{typ: "presentation", url: s.URL + "/playback/presentation/2.3/" + rec.recordID}}
	s.recordings = append(s.recordings, rec)
	return rec.recordID, nil
}

// EndMeeting ends a room's meeting.
func (s *Server) EndMeeting(friendlyID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rm := s.roomByFID(friendlyID)
	if rm == nil {
		return fmt.Errorf("greenlighttest: no room %q", friendlyID)
	}
	rm.online, rm.participants = false, 0
	return nil
}

// SignIns counts successful password sign-ins since the start.
func (s *Server) SignIns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signIns
}

// RoomCount returns how many rooms exist.
func (s *Server) RoomCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.rooms)
}

// --- lookups (callers hold mu) ---

func (s *Server) roleByName(name string) *role {
	for _, r := range s.roles {
		if r.name == name {
			return r
		}
	}
	return nil
}

func (s *Server) roleByID(id string) *role {
	for _, r := range s.roles {
		if r.id == id {
			return r
		}
	}
	return nil
}

func (s *Server) userByID(id string) *user {
	for _, u := range s.users {
		if u.id == id {
			return u
		}
	}
	return nil
}

func (s *Server) userByEmail(email string) *user {
	for _, u := range s.users {
		if strings.EqualFold(u.email, email) {
			return u
		}
	}
	return nil
}

func (s *Server) roomByFID(fid string) *room {
	for _, r := range s.rooms {
		if r.friendlyID == fid {
			return r
		}
	}
	return nil
}

func (s *Server) recordingByRecordID(id string) *recording {
	for _, r := range s.recordings {
		if r.recordID == id {
			return r
		}
	}
	return nil
}

func (s *Server) roomByID(id string) *room {
	for _, r := range s.rooms {
		if r.id == id {
			return r
		}
	}
	return nil
}

func (s *Server) newUser(name, email, password string, r *role) *user {
	u := &user{
		id: newUUID(), name: name, email: strings.ToLower(email), password: password, language: "en",
		provider: "greenlight", status: "active", verified: true, role: r, created: s.cfg.now().UTC(),
		sessionToken: randomHex(16),
	}
	s.users = append(s.users, u)
	return u
}

func (s *Server) newRoom(name string, owner *user) *room {
	rm := &room{
		id: newUUID(), friendlyID: newFriendlyID(), meetingID: randomAlnum(40), name: name, ownerID: owner.id,
		settings: defaultSettings(),
	}
	for s.roomByFID(rm.friendlyID) != nil {
		rm.friendlyID = newFriendlyID()
	}
	s.rooms = append(s.rooms, rm)
	return rm
}

func validEmail(e string) bool {
	at := strings.IndexByte(e, '@')
	return at > 0 && at < len(e)-1 && !strings.ContainsAny(e, " \t\r\n<>") && len(e) <= 254
}

// --- HTTP plumbing ---

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !strings.HasPrefix(r.URL.Path, "/api/v1/") {
		s.servePage(w, r)
		return
	}
	// Authorizable#ensure_valid_request: JSON format and Accept header.
	if !strings.HasSuffix(r.URL.Path, ".json") || !strings.Contains(r.Header.Get("Accept"), "application/json") {
		s.servePage(w, r)
		return
	}
	rq := &req{w: w, r: r}
	rq.sess = s.lookupSession(r)
	if rq.sess != nil {
		rq.cur = s.currentUser(rq.sess)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		tok := r.Header.Get("X-CSRF-Token")
		if rq.sess == nil || tok == "" || tok != rq.sess.csrf {
			if s.cfg.csrfStatus == http.StatusInternalServerError {
				rq.errors(http.StatusInternalServerError, []string{"SomethingWentWrong"})
			} else {
				rq.errors(http.StatusUnprocessableEntity, []string{"InvalidAuthenticityToken"})
			}
			return
		}
		if err := rq.readBody(); err != nil {
			rq.errors(http.StatusBadRequest, []string{"InvalidParams"})
			return
		}
	}
	s.route(rq, strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v1/"), ".json"))
}

// servePage answers the single-page app shell, which carries the CSRF token.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.NotFound(w, r)
		return
	}
	sess := s.lookupSession(r)
	if sess == nil {
		sess = &session{csrf: randomHex(32)}
		id := randomHex(24)
		s.sessions[id] = sess
		http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><title>Greenlight</title>\n<meta name=\"csrf-param\" content=\"authenticity_token\" />\n<meta name=\"csrf-token\" content=\"%s\" />\n</head><body><div id=\"root\"></div></body></html>\n", html.EscapeString(sess.csrf))
}

func (s *Server) lookupSession(r *http.Request) *session {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil
	}
	return s.sessions[c.Value]
}

func (s *Server) currentUser(sess *session) *user {
	if sess.userID == "" {
		return nil
	}
	u := s.userByID(sess.userID)
	if u == nil || u.sessionToken != sess.token {
		return nil
	}
	return u
}

// req is one API request being served.
type req struct {
	w    http.ResponseWriter
	r    *http.Request
	sess *session
	cur  *user
	body map[string]json.RawMessage
}

const maxBody = 1 << 20

func (q *req) readBody() error {
	b, err := io.ReadAll(io.LimitReader(q.r.Body, maxBody+1))
	if err != nil || len(b) > maxBody {
		return errors.New("body")
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		q.body = map[string]json.RawMessage{}
		return nil
	}
	return json.Unmarshal(b, &q.body)
}

// param decodes the object body[key] into out; false when absent or wrong.
func (q *req) param(key string, out any) bool {
	raw, ok := q.body[key]
	if !ok {
		return false
	}
	return json.Unmarshal(raw, out) == nil
}

func (q *req) json(status int, v any) {
	q.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	q.w.WriteHeader(status)
	_ = json.NewEncoder(q.w).Encode(v)
}

// data answers {"data": v} (plus "meta" when given).
func (q *req) data(status int, v any, meta map[string]any) {
	out := map[string]any{"data": v}
	if meta != nil {
		out["meta"] = meta
	}
	q.json(status, out)
}

// errors answers {"errors": codes}; codes is a []string or a string.
func (q *req) errors(status int, codes any) {
	if codes == nil {
		codes = []string{}
	}
	q.json(status, map[string]any{"errors": codes})
}

func (q *req) unauthorized() { q.errors(http.StatusUnauthorized, nil) }
func (q *req) forbidden()    { q.errors(http.StatusForbidden, nil) }
func (q *req) notFound()     { q.errors(http.StatusNotFound, []string{"RecordNotFound"}) }
func (q *req) badParams()    { q.errors(http.StatusBadRequest, []string{"InvalidParams"}) }

// authenticated answers 401 when nobody is signed in.
func (q *req) authenticated() bool {
	if q.cur == nil {
		q.unauthorized()
		return false
	}
	return true
}

// page slices items for the ?page= parameter and returns pagy-like metadata.
func page[T any](q *req, items []T, size int) ([]T, map[string]any) {
	n := 1
	if p := q.r.URL.Query().Get("page"); p != "" {
		if _, err := fmt.Sscan(p, &n); err != nil || n < 1 {
			n = 1
		}
	}
	pages := max(1, (len(items)+size-1)/size)
	from := min(len(items), (n-1)*size)
	to := min(len(items), from+size)
	meta := map[string]any{"page": n, "pages": pages, "count": len(items), "items": size, "next": nil, "prev": nil,
		"from": from + 1, "to": to}
	if n < pages {
		meta["next"] = n + 1
	}
	if n > 1 {
		meta["prev"] = n - 1
	}
	out := items[from:to]
	if out == nil {
		out = []T{}
	}
	return out, meta
}
