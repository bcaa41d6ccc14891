// Package oidc turns an OpenID Connect sign-in into a signed BigBlueButton
// join.
//
// A Joiner is built on github.com/coreos/go-oidc/v3 and
// golang.org/x/oauth2: it discovers the provider from its issuer URL, runs
// the authorization-code flow with PKCE (S256), and binds the state, the
// nonce and the PKCE verifier to the browser in a short-lived cookie that is
// encrypted (AES-256-GCM) and signed (HMAC-SHA-256), HttpOnly, Secure and
// SameSite=Lax. The callback checks the state (constant time, single use),
// exchanges the code, verifies the ID token (signature, issuer, audience,
// authorized party, expiry, nonce), optionally reads UserInfo, maps the
// claims to a BBB user and role, creates the meeting when the user may start
// it, and redirects to the signed join URL of the configured BBB server.
//
// Mounting it in a portal:
//
//	joiner, err := oidc.New(ctx, bbbClient, oidc.Config{
//		Issuer:       "https://login.uni.example/realms/staff",
//		ClientID:     "bbb-portal",
//		ClientSecret: secret,
//		RedirectURL:  "https://meet.uni.example/oidc/callback",
//	},
//		oidc.WithRooms(oidc.Room{ID: "physics-101", Name: "Physics 101"}),
//		oidc.WithRoleRules(
//			oidc.ClaimRule("groups", "/teachers", oidc.RoleModerator),
//			oidc.EmailDomainRule("staff.uni.example", oidc.RoleModerator),
//		),
//		oidc.WithCookieKeys(cookieKey),
//	)
//	http.ListenAndServe(":8080", joiner.Middleware(portalMux))
//
// Links to joiner.LoginURL("physics-101") start a sign-in. The Middleware
// serves the login path, the callback path (the path of RedirectURL) and the
// wait path; portals with their own routing call Joiner.Login from a handler
// and mount CallbackHandler and WaitHandler themselves.
//
// # Claims and roles
//
// ClaimMapping names the claims for the user ID (default "sub"), the full
// name ("name", then "preferred_username", then given and family name), the
// avatar ("picture") and the email, lists claims that must be present, and
// passes claims through as userdata-* join parameters. Role rules are
// functions asked in order (a room's own rules first); ClaimRule matches a
// value in a list claim such as "groups" or "realm_access.roles",
// EmailDomainRule matches a verified email domain, and any function of the
// RoleRule type works. Users no rule matches get the default role, viewer
// unless configured; RoleDenied refuses the join.
//
// Moderators (and anyone in a room with AnyoneMayStart) create the meeting
// on demand with the room's create parameters. Other users wait on a page
// that refreshes until the meeting runs, or get ErrNotStarted when waiting
// is disabled.
//
// # Failures
//
// Every refusal is an *Error with a sentinel Kind (ErrState,
// ErrStateReplayed, ErrNonce, ErrTokenExpired, ErrToken, ErrProvider,
// ErrMissingClaim, ErrOpenRedirect, ErrDenied, ...) and an HTTP status; the
// handlers answer with an error page and never redirect anywhere but to the
// provider, to the configured BBB server's join call, or to their own wait
// path. Requests that name a redirect target are refused. Errors and log
// lines never carry a token, code, state, nonce, cookie value, client or BBB
// secret, or checksum: provider error bodies, which echo such values, are
// reduced to their OAuth2 error code.
//
// The state cookie is stateless; replays are caught by a ReplayCache (in
// memory by default). Several processes behind one redirect URL need the
// same cookie keys (WithCookieKeys) and a shared ReplayCache.
package oidc
