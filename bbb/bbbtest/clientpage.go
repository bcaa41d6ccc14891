package bbbtest

import (
	"html/template"
	"net/http"
	"strings"
)

// The client page stands in for the BigBlueButton HTML5 client at the
// target of the join redirect (/html5client/join and, for guests waiting
// for approval, /html5client/guestWait). It shows where the session token
// landed: meeting name, the user's name and role. It is plain server-rendered
// HTML with no scripts and no external assets, so a browser test, a person
// trying a join URL, or curl can read it.

const (
	clientJoinPath  = "/html5client/join"
	clientGuestPath = "/html5client/guestWait"
)

var clientPageTemplate = template.Must(template.New("client").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}
dt{font-weight:600}dd{margin:0 0 .6rem 0}small{color:#777}</style></head>
<body><h1>{{.Title}}</h1>
{{if .Found}}<dl>
<dt>Meeting</dt><dd id="meeting">{{.Meeting}}</dd>
<dt>Name</dt><dd id="name">{{.Name}}</dd>
<dt>Role</dt><dd id="role">{{.Role}}</dd>
</dl>
<p><small>This page stands in for the BigBlueButton client: the fake server accepted the signed join.</small></p>
{{else}}<p>This join link has no session on this server: it was never issued, the user left, or the meeting ended.</p>{{end}}
</body></html>
`))

type clientPage struct {
	Title, Meeting, Name, Role string
	Found                      bool
}

// serveClientPage answers the join redirect's target. It reports false for
// any other path.
func (s *Server) serveClientPage(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path != clientJoinPath && r.URL.Path != clientGuestPath {
		return false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET")
		return true
	}
	page := clientPage{Title: "Not in a meeting"}
	status := http.StatusNotFound
	s.mu.RLock()
	if sess := s.sessions[r.URL.Query().Get("sessionToken")]; sess != nil {
		status = http.StatusOK
		page = clientPage{
			Title:   "In the meeting",
			Meeting: sess.meeting.name,
			Name:    sess.user.name,
			Role:    strings.ToLower(sess.user.role),
			Found:   true,
		}
		if sess.user.waiting {
			page.Title = "Waiting for a moderator to let you in"
		}
	}
	s.mu.RUnlock()
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	_ = clientPageTemplate.Execute(w, page)
	return true
}
