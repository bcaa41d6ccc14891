package oidc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/internal/httpcore"
)

// Config is what the OpenID provider knows about the portal.
type Config struct {
	// Issuer is the provider's issuer URL; discovery reads
	// Issuer + "/.well-known/openid-configuration".
	Issuer string
	// ClientID is the portal's client ID at the provider.
	ClientID string
	// ClientSecret is the client secret; empty for a public client (PKCE
	// still protects the code).
	ClientSecret string
	// RedirectURL is the absolute callback URL registered at the provider.
	// Its path is the callback path the Middleware serves.
	RedirectURL string
}

// Joiner turns an OpenID Connect sign-in into a BBB join: the login handler
// starts the authorization-code flow for a meeting, the callback handler
// verifies the result, maps the claims to a BBB user and role, creates the
// meeting when the user may start it, and redirects to the signed join URL.
// A Joiner is safe for concurrent use.
type Joiner struct {
	bbb          *bbb.Client
	apiURL       *url.URL
	cfg          Config
	provider     *gooidc.Provider
	oauth        oauth2.Config
	verifier     *gooidc.IDTokenVerifier
	httpClient   *http.Client
	sealer       *sealer
	o            *options
	callbackPath string
	cookiePrefix string
}

// New discovers the provider at cfg.Issuer and returns a Joiner that sends
// users to meetings on client's server. ctx bounds discovery only.
func New(ctx context.Context, client *bbb.Client, cfg Config, opts ...Option) (*Joiner, error) {
	redirect, apiURL, err := checkConfig(client, cfg)
	if err != nil {
		return nil, err
	}
	o, s, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	hc := o.httpClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	provider, err := discover(ctx, hc, cfg.Issuer, o.userInfo)
	if err != nil {
		return nil, err
	}
	j := &Joiner{
		bbb:        client,
		apiURL:     apiURL,
		cfg:        cfg,
		provider:   provider,
		httpClient: hc,
		sealer:     s,
		o:          o,
		oauth: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			Endpoint:     provider.Endpoint(),
			RedirectURL:  cfg.RedirectURL,
			Scopes:       o.scopes,
		},
		callbackPath: redirect.Path,
		cookiePrefix: "__Host-bbbkit-oidc-",
	}
	if j.callbackPath == "" {
		j.callbackPath = "/"
	}
	j.oauth.Endpoint.AuthStyle = o.authStyle
	j.verifier = provider.VerifierContext(gooidc.ClientContext(context.WithoutCancel(ctx), hc), &gooidc.Config{
		ClientID: cfg.ClientID,
		Now:      o.now,
	})
	if o.insecure {
		j.cookiePrefix = "bbbkit-oidc-"
	}
	return j, nil
}

// checkConfig checks New's arguments and returns the parsed redirect URL
// and BBB API URL.
func checkConfig(client *bbb.Client, cfg Config) (redirect, apiURL *url.URL, err error) {
	if client == nil {
		return nil, nil, errors.New("oidc: nil BBB client")
	}
	if cfg.Issuer == "" || cfg.ClientID == "" {
		return nil, nil, errors.New("oidc: issuer and client ID are required")
	}
	redirect, err = httpcore.ParseAbsoluteURL(cfg.RedirectURL)
	if err != nil || redirect.Fragment != "" {
		return nil, nil, errors.New("oidc: redirect URL must be an absolute http(s) URL without fragment")
	}
	apiURL, err = url.Parse(client.APIURL())
	if err != nil || apiURL.Host == "" {
		return nil, nil, errors.New("oidc: BBB client has no usable API URL")
	}
	return redirect, apiURL, nil
}

// buildOptions applies opts over the defaults, fills in what must be
// generated (a cookie key, the replay cache) and returns the options with
// the cookie sealer.
func buildOptions(opts []Option) (*options, *sealer, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if opt == nil {
			return nil, nil, errors.New("oidc: nil option")
		}
		if err := opt(o); err != nil {
			return nil, nil, fmt.Errorf("oidc: %w", err)
		}
	}
	if o.rooms == nil {
		return nil, nil, errors.New("oidc: no rooms: use WithRooms or WithRoomFunc")
	}
	if len(o.cookieKeys) == 0 {
		k, err := randomKey()
		if err != nil {
			return nil, nil, fmt.Errorf("oidc: cookie key: %w", err)
		}
		o.cookieKeys = [][]byte{k}
	}
	s, err := newSealer(o.cookieKeys)
	if err != nil {
		return nil, nil, fmt.Errorf("oidc: %w", err)
	}
	if o.replay == nil {
		o.replay = NewMemoryReplayCache(0, o.now)
	}
	return o, s, nil
}

// discover fetches the provider's metadata. The provider's message is
// capped, since it can quote whatever the discovery URL answered.
func discover(ctx context.Context, hc *http.Client, issuer string, userInfo bool) (*gooidc.Provider, error) {
	provider, err := gooidc.NewProvider(gooidc.ClientContext(ctx, hc), issuer)
	if err != nil {
		msg := err.Error()
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
		return nil, &Error{Op: "discovery", Kind: ErrProvider, Status: http.StatusBadGateway, Err: errors.New(msg)}
	}
	if userInfo && provider.UserInfoEndpoint() == "" {
		return nil, &Error{Op: "discovery", Kind: ErrProvider, Status: http.StatusBadGateway, Err: errors.New("UserInfo requested but the provider has no userinfo_endpoint")}
	}
	return provider, nil
}

// LoginPath returns the path the Middleware serves the login handler on.
func (j *Joiner) LoginPath() string { return j.o.loginPath }

// LoginURL returns the path and query that start a sign-in for meetingID,
// for links on portal pages.
func (j *Joiner) LoginURL(meetingID string) string {
	return j.o.loginPath + "?" + url.Values{"meeting": {meetingID}}.Encode()
}

// Middleware serves the login path, the callback path (the redirect URL's
// path) and the wait path, and passes every other request to next. It is the
// form for portals that own their routing.
func (j *Joiner) Middleware(next http.Handler) http.Handler {
	login, callback, wait := j.LoginHandler(), j.CallbackHandler(), j.WaitHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case j.o.loginPath:
			login.ServeHTTP(w, r)
		case j.callbackPath:
			callback.ServeHTTP(w, r)
		case j.o.waitPath:
			wait.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// Handler serves the login, callback and wait paths and answers 404 to
// anything else.
func (j *Joiner) Handler() http.Handler { return j.Middleware(http.NotFoundHandler()) }

// LoginHandler starts a sign-in for the meeting named by the "meeting"
// query parameter.
func (j *Joiner) LoginHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		j.Login(w, r, r.URL.Query().Get("meeting"))
	})
}

// CallbackHandler finishes a sign-in and redirects to the BBB join URL (or
// shows the waiting page).
func (j *Joiner) CallbackHandler() http.Handler { return http.HandlerFunc(j.callback) }

// WaitHandler serves the waiting page's refreshes for the meeting named by
// the "meeting" query parameter, and redirects to the join URL once the
// meeting runs.
func (j *Joiner) WaitHandler() http.Handler { return http.HandlerFunc(j.waitRoom) }

func noStore(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
}

// fail logs err and answers with the error page.
func (j *Joiner) fail(w http.ResponseWriter, r *http.Request, e *Error) {
	attrs := []slog.Attr{
		slog.String("op", e.Op),
		slog.String("kind", kindName(e.Kind)),
		slog.Int("status", e.Status),
	}
	if e.Meeting != "" {
		attrs = append(attrs, slog.String("meeting", e.Meeting))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("cause", e.Err.Error()))
	}
	level := slog.LevelWarn
	if e.Status >= 500 {
		level = slog.LevelError
	}
	j.o.logger.LogAttrs(r.Context(), level, "oidc sign-in refused", attrs...)
	noStore(w)
	if j.o.errorHandler != nil {
		j.o.errorHandler(w, r, e)
		return
	}
	j.renderError(w, e)
}

func kindName(k error) string {
	if k == nil {
		return ""
	}
	return k.Error()
}

// redirectParams are query parameters other portals use to choose where to
// go after sign-in. The Joiner never honours them and refuses requests that
// carry them, so a crafted link cannot bounce a user elsewhere.
var redirectParams = []string{"next", "redirect", "redirect_uri", "redirect_url", "redirectUrl", "return", "return_to", "returnTo", "url", "continue", "goto", "target", "logoutURL"}

// Login starts a sign-in for meetingID: it binds a fresh state, nonce and
// PKCE verifier to the browser in a sealed cookie and redirects to the
// provider. Portals with their own routing call it from their handler.
func (j *Joiner) Login(w http.ResponseWriter, r *http.Request, meetingID string) {
	const op = "login"
	if !j.getOrHead(w, r, op) {
		return
	}
	q := r.URL.Query()
	for _, p := range redirectParams {
		if q.Has(p) {
			j.fail(w, r, newError(op, ErrOpenRedirect, http.StatusBadRequest, "", fmt.Errorf("parameter %q is not accepted", p)))
			return
		}
	}
	room, e := j.room(r.Context(), op, meetingID)
	if e != nil {
		j.fail(w, r, e)
		return
	}
	userData := map[string]string{}
	for k, vs := range q {
		key, ok := strings.CutPrefix(k, "userdata-")
		if !ok {
			continue
		}
		if !j.o.passthrough[key] || len(vs) != 1 || len(vs[0]) > 256 {
			j.fail(w, r, newError(op, ErrBadRequest, http.StatusBadRequest, room.ID, fmt.Errorf("userdata parameter %q not allowed", k)))
			return
		}
		userData[key] = vs[0]
	}
	ls := &loginState{
		State:    randomToken(),
		Nonce:    randomToken(),
		Verifier: oauth2.GenerateVerifier(),
		Meeting:  room.ID,
		UserData: userData,
		Expires:  j.o.now().Add(j.o.loginTTL).Unix(),
	}
	name := j.loginCookieName(ls.State)
	if err := j.setCookie(w, name, ls, j.loginCookieTTL()); err != nil {
		j.fail(w, r, newError(op, ErrBadRequest, http.StatusBadRequest, room.ID, err))
		return
	}
	target := j.oauth.AuthCodeURL(ls.State, gooidc.Nonce(ls.Nonce), oauth2.S256ChallengeOption(ls.Verifier))
	noStore(w)
	j.o.logger.LogAttrs(r.Context(), slog.LevelDebug, "oidc sign-in started", slog.String("meeting", room.ID))
	http.Redirect(w, r, target, http.StatusFound)
}

// getOrHead answers 405 unless r is a GET or HEAD request.
func (j *Joiner) getOrHead(w http.ResponseWriter, r *http.Request, op string) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		j.fail(w, r, newError(op, ErrBadRequest, http.StatusMethodNotAllowed, "", errors.New("method not allowed")))
		return false
	}
	return true
}

// room checks meetingID and looks up its room.
func (j *Joiner) room(ctx context.Context, op, meetingID string) (*Room, *Error) {
	if meetingID == "" || len(meetingID) > 256 {
		return nil, newError(op, ErrBadRequest, http.StatusBadRequest, "", errors.New("meeting parameter missing or too long"))
	}
	room, err := j.o.rooms(ctx, meetingID)
	switch {
	case errors.Is(err, ErrUnknownMeeting) || (err == nil && room == nil):
		return nil, newError(op, ErrUnknownMeeting, http.StatusNotFound, "", nil)
	case err != nil:
		return nil, newError(op, ErrBBB, http.StatusBadGateway, meetingID, fmt.Errorf("room lookup: %w", err))
	}
	if room.ID != meetingID {
		return nil, newError(op, ErrUnknownMeeting, http.StatusNotFound, "", errors.New("room func returned another meeting"))
	}
	return room, nil
}

// callback finishes the flow in three steps: check the authorization
// response, redeem its code for verified claims, admit the user to the room.
func (j *Joiner) callback(w http.ResponseWriter, r *http.Request) {
	const op = "callback"
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		j.fail(w, r, newError(op, ErrBadRequest, http.StatusMethodNotAllowed, "", errors.New("method not allowed")))
		return
	}
	ls, code, e := j.authorizationResponse(w, r, op)
	if e != nil {
		j.fail(w, r, e)
		return
	}
	claims, e := j.redeem(gooidc.ClientContext(r.Context(), j.httpClient), op, ls, code)
	if e != nil {
		j.fail(w, r, e)
		return
	}
	room, p, e := j.admit(r.Context(), op, ls, claims)
	if e != nil {
		j.fail(w, r, e)
		return
	}
	j.o.logger.LogAttrs(r.Context(), slog.LevelInfo, "oidc sign-in verified",
		slog.String("meeting", room.ID), slog.String("role", string(p.Role)))
	j.join(w, r, op, room, p, false)
}

// authorizationResponse checks the provider's redirect back to us: the login
// state bound to this browser (its cookie becomes a Used marker, or is
// deleted when it failed the check), the issuer, a first use of the state,
// and an authorization code rather than an error. It returns the login state
// and the code.
func (j *Joiner) authorizationResponse(w http.ResponseWriter, r *http.Request, op string) (*loginState, string, *Error) {
	q := r.URL.Query()
	ls, name, e := j.readLoginState(r, q.Get("state"))
	switch {
	case e == nil:
		j.markLoginUsed(w, name, ls)
	case name != "":
		j.deleteCookie(w, name)
	}
	if e != nil {
		if code := q.Get("error"); code != "" {
			// An IdP error without a usable state: still an IdP error to the user.
			e = newError(op, ErrProvider, providerStatus(code), "", &ProviderError{Endpoint: "authorization", Code: safeCode(code)})
		}
		return nil, "", e
	}
	meeting := ls.Meeting
	// RFC 9207: a provider that names itself must be the configured one.
	if iss := q.Get("iss"); iss != "" && iss != j.cfg.Issuer {
		return nil, "", newError(op, ErrProvider, http.StatusBadRequest, meeting, errors.New("authorization response from another issuer"))
	}
	// The cache sees a hash, not the state itself (it may be an external store).
	first, err := j.o.replay.Use(r.Context(), cookieID("replay", ls.State), time.Unix(ls.Expires, 0))
	if err != nil {
		return nil, "", newError(op, ErrStateReplayed, http.StatusServiceUnavailable, meeting, errors.New("replay cache unavailable"))
	}
	if !first {
		return nil, "", newError(op, ErrStateReplayed, http.StatusBadRequest, meeting, nil)
	}
	if code := q.Get("error"); code != "" {
		return nil, "", newError(op, ErrProvider, providerStatus(code), meeting, &ProviderError{Endpoint: "authorization", Code: safeCode(code)})
	}
	code := q.Get("code")
	if code == "" {
		return nil, "", newError(op, ErrBadRequest, http.StatusBadRequest, meeting, errors.New("code parameter missing"))
	}
	return ls, code, nil
}

// redeem exchanges the authorization code (with the PKCE verifier) for
// tokens and returns the claims of the verified ID token, plus those of
// UserInfo when configured. ctx carries the provider's HTTP client.
func (j *Joiner) redeem(ctx context.Context, op string, ls *loginState, code string) (map[string]any, *Error) {
	meeting := ls.Meeting
	tok, err := j.oauth.Exchange(ctx, code, oauth2.VerifierOption(ls.Verifier))
	if err != nil {
		return nil, newError(op, ErrProvider, http.StatusBadGateway, meeting, sanitizeProviderError("token", err))
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return nil, newError(op, ErrToken, http.StatusUnauthorized, meeting, errors.New("token response has no id_token"))
	}
	claims, e := j.verify(ctx, op, meeting, rawID, tok.AccessToken, ls.Nonce)
	if e != nil {
		return nil, e
	}
	if j.o.userInfo {
		if e := j.addUserInfo(ctx, op, meeting, tok, claims); e != nil {
			return nil, e
		}
	}
	return claims, nil
}

// admit maps the claims to an identity, finds the room and resolves the
// role, and returns the join waiting to happen.
func (j *Joiner) admit(ctx context.Context, op string, ls *loginState, claims map[string]any) (*Room, *pendingJoin, *Error) {
	meeting := ls.Meeting
	id, err := j.o.mapping.Identity(claims)
	if err != nil {
		return nil, nil, newError(op, ErrMissingClaim, http.StatusForbidden, meeting, err)
	}
	room, e := j.room(ctx, op, meeting)
	if e != nil {
		return nil, nil, e
	}
	role := ResolveRole(id, room, j.o.defaultRole, j.o.rules...)
	if role == RoleDenied {
		return nil, nil, newError(op, ErrDenied, http.StatusForbidden, meeting, nil)
	}
	return room, &pendingJoin{
		Meeting:  room.ID,
		Name:     id.FullName,
		UserID:   id.UserID,
		Avatar:   id.AvatarURL,
		Role:     role,
		UserData: j.userData(ls.UserData, id),
		Expires:  j.o.now().Add(j.o.waitTTL).Unix(),
	}, nil
}

func providerStatus(code string) int {
	switch code {
	case "access_denied", "login_required", "consent_required", "interaction_required", "account_selection_required":
		return http.StatusForbidden
	}
	return http.StatusBadGateway
}

// sanitizeProviderError reduces an oauth2 error to what is safe to show:
// RetrieveError's message includes the provider's body, which can echo the
// code or the client secret.
func sanitizeProviderError(endpoint string, err error) error {
	pe := &ProviderError{Endpoint: endpoint}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		pe.Code = safeCode(re.ErrorCode)
		if re.Response != nil {
			pe.StatusCode = re.Response.StatusCode
		}
	}
	return pe
}

func (j *Joiner) verify(ctx context.Context, op, meeting, rawID, accessToken, nonce string) (map[string]any, *Error) {
	idt, err := j.verifier.Verify(ctx, rawID)
	if err != nil {
		var exp *gooidc.TokenExpiredError
		if errors.As(err, &exp) {
			return nil, newError(op, ErrTokenExpired, http.StatusUnauthorized, meeting, nil)
		}
		return nil, newError(op, ErrToken, http.StatusUnauthorized, meeting, errors.New(redact(err.Error(), rawID)))
	}
	if !constantTimeEqual(idt.Nonce, nonce) {
		return nil, newError(op, ErrNonce, http.StatusUnauthorized, meeting, nil)
	}
	// at_hash is optional in the code flow; when present it must match.
	if idt.AccessTokenHash != "" && idt.VerifyAccessToken(accessToken) != nil {
		return nil, newError(op, ErrToken, http.StatusUnauthorized, meeting, errors.New("at_hash does not match the access token"))
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return nil, newError(op, ErrToken, http.StatusUnauthorized, meeting, errors.New("claims are not a JSON object"))
	}
	// OpenID Connect Core 3.1.3.7: with several audiences, azp must be us.
	azp, _ := claims["azp"].(string)
	if (len(idt.Audience) > 1 || azp != "") && azp != j.cfg.ClientID {
		return nil, newError(op, ErrToken, http.StatusUnauthorized, meeting, errors.New("authorized party is not this client"))
	}
	return claims, nil
}

func (j *Joiner) addUserInfo(ctx context.Context, op, meeting string, tok *oauth2.Token, claims map[string]any) *Error {
	ui, err := j.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return newError(op, ErrProvider, http.StatusBadGateway, meeting, &ProviderError{Endpoint: "userinfo"})
	}
	if sub, _ := claims["sub"].(string); ui.Subject != sub {
		return newError(op, ErrToken, http.StatusUnauthorized, meeting, errors.New("UserInfo subject differs from the ID token's"))
	}
	extra := map[string]any{}
	if err := ui.Claims(&extra); err != nil {
		return newError(op, ErrProvider, http.StatusBadGateway, meeting, &ProviderError{Endpoint: "userinfo"})
	}
	for k, v := range extra {
		if _, ok := claims[k]; !ok {
			claims[k] = v
		}
	}
	return nil
}

// userData merges, lowest priority first: configured values, passthrough
// values from the login request, values mapped from claims.
func (j *Joiner) userData(passthrough map[string]string, id *Identity) map[string]string {
	out := map[string]string{}
	for k, v := range j.o.userData {
		out[k] = v
	}
	for k, v := range passthrough {
		out[k] = v
	}
	for k, v := range j.o.mapping.userData(id) {
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// join creates the meeting when the user may start it, or checks it runs,
// then redirects to the join URL; otherwise it shows the waiting page.
func (j *Joiner) join(w http.ResponseWriter, r *http.Request, op string, room *Room, p *pendingJoin, waiting bool) {
	ctx := r.Context()
	var createTime time.Time
	if p.Role == RoleModerator || room.AnyoneMayStart {
		resp, err := j.bbb.CreateMeeting(ctx, room.createParams())
		if err != nil {
			j.fail(w, r, newError(op, ErrBBB, http.StatusBadGateway, room.ID, fmt.Errorf("create: %w", err)))
			return
		}
		createTime = resp.CreateTime()
	} else {
		m, err := j.bbb.GetMeetingInfo(ctx, room.ID)
		switch {
		case errors.Is(err, bbb.ErrNotFound) || (err == nil && !m.Running):
			j.notStarted(w, r, op, room, p, waiting)
			return
		case err != nil:
			j.fail(w, r, newError(op, ErrBBB, http.StatusBadGateway, room.ID, fmt.Errorf("getMeetingInfo: %w", err)))
			return
		}
		createTime = m.CreateTime
	}
	target, err := j.bbb.JoinURL(&bbb.JoinParams{
		FullName:   p.Name,
		MeetingID:  room.ID,
		Role:       string(p.Role),
		UserID:     p.UserID,
		AvatarURL:  p.Avatar,
		CreateTime: createTime,
		UserData:   p.UserData,
	})
	if err != nil {
		j.fail(w, r, newError(op, ErrBBB, http.StatusBadGateway, room.ID, errors.New("join URL could not be built")))
		return
	}
	if !j.isJoinURL(target) {
		j.fail(w, r, newError(op, ErrOpenRedirect, http.StatusInternalServerError, room.ID, errors.New("join URL is not on the configured BBB server")))
		return
	}
	if waiting {
		j.deleteCookie(w, j.waitCookieName(room.ID))
	}
	noStore(w)
	j.o.logger.LogAttrs(ctx, slog.LevelInfo, "oidc join",
		slog.String("meeting", room.ID), slog.String("role", string(p.Role)))
	// No body: http.Redirect would repeat the signed URL in an HTML link.
	w.Header().Set("Location", target)
	w.WriteHeader(http.StatusSeeOther)
}

// isJoinURL reports whether target is the join call of the configured BBB
// server: same scheme, host and API path, no user info or fragment.
func (j *Joiner) isJoinURL(target string) bool {
	u, err := url.Parse(target)
	if err != nil {
		return false
	}
	return u.Scheme == j.apiURL.Scheme && u.Host == j.apiURL.Host && u.User == nil && u.Fragment == "" &&
		u.Path == strings.TrimSuffix(j.apiURL.Path, "/")+"/join"
}

func (j *Joiner) notStarted(w http.ResponseWriter, r *http.Request, op string, room *Room, p *pendingJoin, waiting bool) {
	if !j.o.waiting {
		j.fail(w, r, newError(op, ErrNotStarted, http.StatusConflict, room.ID, nil))
		return
	}
	noStore(w)
	if !waiting {
		// Park the verified user in a sealed cookie and move the browser off
		// the callback URL (whose code and state are single-use) to the wait
		// path, which a reload can repeat.
		if err := j.setCookie(w, j.waitCookieName(room.ID), p, j.o.waitTTL); err != nil {
			j.fail(w, r, newError(op, ErrBBB, http.StatusInternalServerError, room.ID, err))
			return
		}
		j.o.logger.LogAttrs(r.Context(), slog.LevelInfo, "oidc waiting for meeting start",
			slog.String("meeting", room.ID), slog.String("role", string(p.Role)))
		w.Header().Set("Location", j.waitURL(room.ID))
		w.WriteHeader(http.StatusSeeOther)
		return
	}
	j.renderWaiting(w, room)
}

func (j *Joiner) waitURL(meetingID string) string {
	return j.o.waitPath + "?" + url.Values{"meeting": {meetingID}}.Encode()
}

// waitRoom re-checks the meeting for a waiting user.
func (j *Joiner) waitRoom(w http.ResponseWriter, r *http.Request) {
	const op = "wait"
	if !j.getOrHead(w, r, op) {
		return
	}
	meetingID := r.URL.Query().Get("meeting")
	room, e := j.room(r.Context(), op, meetingID)
	if e != nil {
		j.fail(w, r, e)
		return
	}
	name := j.waitCookieName(room.ID)
	var p pendingJoin
	if err := j.readCookie(r, name, &p); err != nil || p.Meeting != room.ID || !j.o.now().Before(time.Unix(p.Expires, 0)) || !p.Role.Valid() || p.Role == RoleDenied {
		j.deleteCookie(w, name)
		j.fail(w, r, newError(op, ErrWaitExpired, http.StatusUnauthorized, room.ID, nil))
		return
	}
	j.join(w, r, op, room, &p, true)
}
