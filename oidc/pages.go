package oidc

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
)

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{if .Refresh}}<meta http-equiv="refresh" content="{{.Refresh}};url={{.RefreshURL}}">{{end}}
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}p.code{color:#777;font-size:.85rem}</style></head>
<body><h1>{{.Title}}</h1><p>{{.Message}}</p>
{{if .Retry}}<p><a href="{{.Retry}}">Sign in again</a></p>{{end}}
{{if .Code}}<p class="code">HTTP {{.Code}}</p>{{end}}
</body></html>
`))

type page struct {
	Title      string
	Message    string
	Retry      string
	Code       int
	Refresh    int
	RefreshURL string
}

// messages are the user-facing texts per error kind. They never include
// the cause, which is for logs.
var messages = []struct {
	kind           error
	title, message string
	retry          bool
}{
	{ErrOpenRedirect, "Redirect refused", "This sign-in link asks to send you somewhere else afterwards. Sign-in only ever leads into the meeting.", false},
	{ErrStateReplayed, "Sign-in link already used", "This sign-in was already completed in this browser (a reload or the back button). You were not signed in twice. Start again to join once more.", true},
	{ErrStateExpired, "Sign-in took too long", "The sign-in was not completed in time. Start again: the link below signs you in to the same meeting.", true},
	{ErrState, "Sign-in could not be completed", "The sign-in did not start in this browser, or it took too long. Start again from the meeting link.", true},
	{ErrNonce, "Sign-in could not be verified", "The identity provider's answer does not belong to this sign-in.", true},
	{ErrTokenExpired, "Sign-in expired", "The identity provider's answer has expired. Sign in again.", true},
	{ErrToken, "Sign-in could not be verified", "The identity provider's answer could not be verified.", true},
	{ErrProvider, "Identity provider error", "The identity provider refused or failed the sign-in.", true},
	{ErrMissingClaim, "Account information missing", "Your account does not provide the information this meeting needs (such as your name). Ask your administrator.", false},
	{ErrUnknownMeeting, "Meeting not found", "There is no meeting with this link.", false},
	{ErrDenied, "Access denied", "Your account is not allowed into this meeting.", false},
	{ErrNotStarted, "Meeting has not started", "This meeting has not been started yet. Try again once a moderator has started it.", true},
	{ErrWaitExpired, "Please sign in again", "Your wait for this meeting has expired.", true},
	{ErrBBB, "Meeting server unavailable", "The meeting server could not be reached or refused the request. Try again later.", true},
	{ErrBadRequest, "Bad request", "This request is not valid.", false},
}

func (j *Joiner) renderError(w http.ResponseWriter, e *Error) {
	p := page{Title: "Sign-in failed", Message: "The sign-in failed.", Code: e.Status}
	for _, m := range messages {
		if errors.Is(e.Kind, m.kind) {
			p.Title, p.Message = m.title, m.message
			if m.retry && e.Meeting != "" {
				p.Retry = j.LoginURL(e.Meeting)
			}
			break
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(e.Status)
	_ = pageTemplate.Execute(w, p)
}

// renderWaiting answers 202 Accepted with a page that polls the wait path.
func (j *Joiner) renderWaiting(w http.ResponseWriter, room *Room) {
	secs := int(j.o.waitRefresh.Seconds())
	if secs < 1 {
		secs = 1
	}
	name := room.Name
	if name == "" {
		name = room.ID
	}
	p := page{
		Title:      "Waiting for " + name,
		Message:    "The meeting has not started yet. This page joins you automatically once a moderator starts it.",
		Refresh:    secs,
		RefreshURL: j.waitURL(room.ID),
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	w.WriteHeader(http.StatusAccepted)
	_ = pageTemplate.Execute(w, p)
}
