package main

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/oauth2-proxy/mockoidc"
	"golang.org/x/oauth2"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/oidc"
)

// portal holds the pieces: the BBB client, the Joiner, and whatever runs
// embedded.
type portal struct {
	cfg     *config
	log     *slog.Logger
	client  *bbb.Client
	joiner  *oidc.Joiner
	fakeBBB *bbbtest.Server    // embedded fake BBB, or nil
	mockIdP *mockoidc.MockOIDC // embedded provider, or nil
	issuer  string
	bbbURL  string
}

// demoUsers are the embedded provider's accounts.
var demoUsers = []*mockoidc.MockUser{
	{Subject: "demo-alice", PreferredUsername: "Alice Teacher", Email: "alice@uni.example", EmailVerified: true, Groups: []string{"teachers", "staff"}},
	{Subject: "demo-bob", PreferredUsername: "Bob Student", Email: "bob@uni.example", EmailVerified: true, Groups: []string{"students"}},
	{Subject: "demo-carol", PreferredUsername: "Carol Guest", Email: "carol@guest.example", EmailVerified: false},
}

func newPortal(ctx context.Context, c *config, base string, logger *slog.Logger) (p *portal, err error) {
	p = &portal{cfg: c, log: logger}
	defer func() {
		if err != nil {
			p.close()
		}
	}()
	bbbURL, bbbSecret := c.bbbURL, c.bbbSecret
	if bbbURL == "" {
		p.fakeBBB, err = bbbtest.New(bbbtest.WithBaseURL(base + "/bigbluebutton/"))
		if err != nil {
			return nil, fmt.Errorf("embedded BBB: %w", err)
		}
		bbbURL, bbbSecret = p.fakeBBB.APIURL(), p.fakeBBB.Secret
	}
	p.bbbURL = bbbURL
	p.client, err = bbb.New(bbbURL, bbbSecret, bbb.WithLogger(logger))
	if err != nil {
		return nil, fmt.Errorf("BBB client: %w", err)
	}

	oc := oidc.Config{Issuer: c.issuer, ClientID: c.clientID, ClientSecret: c.clientSecret, RedirectURL: c.redirectURL}
	if oc.RedirectURL == "" {
		oc.RedirectURL = base + "/oidc/callback"
	}
	opts := []oidc.Option{
		oidc.WithLogger(logger),
		oidc.WithRoomFunc(p.room),
		oidc.WithRoleRules(p.rules()...),
	}
	if c.issuer == "" {
		if err := p.startMockIdP(); err != nil {
			return nil, err
		}
		oc.Issuer, oc.ClientID, oc.ClientSecret = p.mockIdP.Issuer(), p.mockIdP.ClientID, p.mockIdP.ClientSecret
		opts = append(opts,
			oidc.WithAuthStyle(oauth2.AuthStyleInParams),
			oidc.WithScopes("profile", "email", "groups"),
			oidc.WithClaimMapping(oidc.ClaimMapping{Name: []string{"preferred_username"}}))
	}
	p.issuer = oc.Issuer
	if c.cookieKey != nil {
		opts = append(opts, oidc.WithCookieKeys(c.cookieKey))
	}
	if c.insecureCookies {
		opts = append(opts, oidc.WithInsecureCookies())
	}
	if c.userInfo {
		opts = append(opts, oidc.WithUserInfo())
	}
	p.joiner, err = oidc.New(ctx, p.client, oc, opts...)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (p *portal) rules() []oidc.RoleRule {
	var rules []oidc.RoleRule
	if p.cfg.moderatorGroup != "" {
		rules = append(rules, oidc.ClaimRule(p.cfg.groupsClaim, p.cfg.moderatorGroup, oidc.RoleModerator))
	}
	if p.cfg.moderatorDomain != "" {
		rules = append(rules, oidc.EmailDomainRule(p.cfg.moderatorDomain, oidc.RoleModerator))
	}
	return rules
}

func (p *portal) room(_ context.Context, id string) (*oidc.Room, error) {
	for _, r := range p.cfg.rooms {
		if r.id == id {
			return &oidc.Room{ID: r.id, Name: r.name, Create: bbb.CreateMeetingParams{
				Welcome: "Welcome to " + r.name + ".",
			}}, nil
		}
	}
	return nil, oidc.ErrUnknownMeeting
}

// startMockIdP runs mockoidc on a loopback port with a page to pick a demo
// user. All its requests are serialized: mockoidc's session store is a plain
// map, and the user queue must pair with the authorize call that pops it.
func (p *portal) startMockIdP() error {
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		return fmt.Errorf("mock provider: %w", err)
	}
	var mu sync.Mutex
	if err := m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if r.URL.Path == mockoidc.AuthorizationEndpoint {
				user := r.URL.Query().Get("demo_user")
				if user == "" {
					renderChooser(w, r)
					return
				}
				u := findDemoUser(user)
				if u == nil {
					http.Error(w, "unknown demo user", http.StatusBadRequest)
					return
				}
				m.QueueUser(u)
			}
			next.ServeHTTP(w, r)
		})
	}); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("mock provider: %w", err)
	}
	if err := m.Start(ln, nil); err != nil {
		ln.Close()
		return fmt.Errorf("mock provider: %w", err)
	}
	p.mockIdP = m
	return nil
}

func findDemoUser(sub string) *mockoidc.MockUser {
	for _, u := range demoUsers {
		if u.Subject == sub {
			return u
		}
	}
	return nil
}

var chooserPage = template.Must(template.New("chooser").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Mock identity provider</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}li{margin:.5rem 0}</style></head>
<body><h1>Mock identity provider</h1><p>Sign in as:</p><ul>
{{range .}}<li><a href="{{.Link}}">{{.Name}}</a> ({{.Detail}})</li>
{{end}}</ul></body></html>
`))

func renderChooser(w http.ResponseWriter, r *http.Request) {
	type choice struct{ Link, Name, Detail string }
	var choices []choice
	for _, u := range demoUsers {
		q := r.URL.Query()
		q.Set("demo_user", u.Subject)
		detail := "groups: " + strings.Join(u.Groups, ", ")
		if len(u.Groups) == 0 {
			detail = "no groups, unverified email"
		}
		choices = append(choices, choice{Link: r.URL.Path + "?" + q.Encode(), Name: u.PreferredUsername, Detail: detail})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = chooserPage.Execute(w, choices)
}

func (p *portal) close() {
	if p.mockIdP != nil {
		if err := p.mockIdP.Shutdown(); err != nil {
			p.log.Warn("mock provider shutdown", "err", err)
		}
	}
	if p.fakeBBB != nil {
		p.fakeBBB.Close()
	}
}

func (p *portal) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", p.index)
	if p.fakeBBB != nil {
		mux.Handle("/bigbluebutton/", p.fakeBBB)
		mux.HandleFunc("GET /html5client/join", p.fakeClient)
	}
	return p.joiner.Middleware(mux)
}

var indexPage = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Meeting portal</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.4rem;border-bottom:1px solid #ddd}</style></head>
<body><h1>Meeting portal</h1>
{{if .Error}}<p>Meeting status unavailable: {{.Error}}</p>{{end}}
<table><tr><th>Room</th><th>Status</th><th></th></tr>
{{range .Rooms}}<tr><td>{{.Name}}</td><td>{{.Status}}</td><td><a href="{{.Link}}">Sign in and join</a></td></tr>
{{end}}</table>
{{if .Embedded}}<p><small>Offline mode: fake BBB server and mock identity provider. Alice is in "teachers" (moderator); Bob and Carol join as viewers once a moderator started the room.</small></p>{{end}}
</body></html>
`))

func (p *portal) index(w http.ResponseWriter, r *http.Request) {
	type row struct{ Name, Status, Link string }
	data := struct {
		Rooms    []row
		Error    string
		Embedded bool
	}{Embedded: p.fakeBBB != nil && p.mockIdP != nil}
	running := map[string]bbb.Meeting{}
	meetings, err := p.client.GetMeetings(r.Context())
	if err != nil {
		p.log.Warn("getMeetings", "err", err)
		data.Error = "the BBB server did not answer"
	}
	for _, m := range meetings {
		running[m.MeetingID] = m
	}
	for _, rm := range p.cfg.rooms {
		status := "not started"
		if m, ok := running[rm.id]; ok {
			status = fmt.Sprintf("running, %d participants", m.ParticipantCount)
			if !m.Running {
				status = "created, waiting for participants"
			}
		}
		data.Rooms = append(data.Rooms, row{Name: rm.name, Status: status, Link: p.joiner.LoginURL(rm.id)})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = indexPage.Execute(w, data)
}

var clientPage = template.Must(template.New("client").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>In the meeting</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}</style></head>
<body><h1>You are in the meeting</h1>
<p>This stands in for the BigBlueButton client: the fake server accepted the signed join.</p>
{{range .}}<h2>{{.Name}}</h2><ul>{{range .People}}<li>{{.}}</li>{{end}}</ul>{{end}}
<p><a href="/">Back to the portal</a></p></body></html>
`))

// fakeClient stands in for /html5client/join on the embedded fake BBB.
func (p *portal) fakeClient(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("sessionToken") == "" {
		http.Error(w, "no session", http.StatusBadRequest)
		return
	}
	meetings, err := p.client.GetMeetings(r.Context())
	if err != nil {
		http.Error(w, "meeting server unavailable", http.StatusBadGateway)
		return
	}
	type meeting struct {
		Name   string
		People []string
	}
	var out []meeting
	for _, m := range meetings {
		mt := meeting{Name: m.MeetingName}
		for _, a := range m.Attendees {
			mt.People = append(mt.People, a.FullName+" ("+strings.ToLower(a.Role)+")")
		}
		sort.Strings(mt.People)
		out = append(out, mt)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = clientPage.Execute(w, out)
}
