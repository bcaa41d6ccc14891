package oidc_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/oauth2-proxy/mockoidc"
	"golang.org/x/oauth2"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/oidc"
)

// A portal with one room: members of the "teachers" group start it as
// moderators. The example signs in against an in-process provider and the
// fake BBB server, and follows the browser's redirects into the meeting.
func Example() {
	ctx := context.Background()
	bbbSrv := bbbtest.NewServer()
	defer bbbSrv.Close()
	idp, err := mockoidc.Run()
	if err != nil {
		log.Fatal(err)
	}
	defer idp.Shutdown()
	idp.QueueUser(&mockoidc.MockUser{Subject: "u-1", PreferredUsername: "ada", Email: "ada@uni.example", EmailVerified: true, Groups: []string{"teachers"}})

	client, err := bbb.New(bbbSrv.APIURL(), bbbSrv.Secret)
	if err != nil {
		log.Fatal(err)
	}
	portal := httptest.NewUnstartedServer(nil)
	portal.StartTLS()
	defer portal.Close()
	joiner, err := oidc.New(ctx, client, oidc.Config{
		Issuer:       idp.Issuer(),
		ClientID:     idp.ClientID,
		ClientSecret: idp.ClientSecret,
		RedirectURL:  portal.URL + "/oidc/callback",
	},
		oidc.WithRooms(oidc.Room{ID: "physics-101", Name: "Physics 101"}),
		oidc.WithRoleRules(oidc.ClaimRule("groups", "teachers", oidc.RoleModerator)),
		oidc.WithScopes("profile", "email", "groups"),
		oidc.WithAuthStyle(oauth2.AuthStyleInParams), // mockoidc reads credentials from the form
	)
	if err != nil {
		log.Fatal(err)
	}
	portal.Config.Handler = joiner.Middleware(http.NotFoundHandler())

	// The browser: follow redirects until the BBB server's join call.
	browser := portal.Client()
	browser.Jar, _ = cookiejar.New(nil)
	browser.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
		if strings.HasSuffix(r.URL.Path, "/api/join") {
			return http.ErrUseLastResponse
		}
		return nil
	}
	defer browser.CloseIdleConnections()
	resp, err := browser.Get(portal.URL + joiner.LoginURL("physics-101"))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	join, _ := url.Parse(resp.Header.Get("Location"))
	fmt.Println(resp.StatusCode, join.Path, join.Query().Get("fullName"), join.Query().Get("role"))

	// Entering the meeting on the fake BBB.
	enter, err := http.Get(join.String())
	if err != nil {
		log.Fatal(err)
	}
	enter.Body.Close()
	info, err := client.GetMeetingInfo(ctx, "physics-101")
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range info.Attendees {
		fmt.Println(a.FullName, a.Role, a.UserID)
	}
	// Output:
	// 303 /bigbluebutton/api/join ada MODERATOR
	// ada MODERATOR u-1
}

func ExampleResolveRole() {
	id := &oidc.Identity{
		Email:         "grace@uni.example",
		EmailVerified: true,
		Claims: map[string]any{
			"realm_access": map[string]any{"roles": []any{"offline_access", "lecturer"}},
		},
	}
	rules := []oidc.RoleRule{
		oidc.ClaimRule("realm_access.roles", "suspended", oidc.RoleDenied),
		oidc.ClaimRule("realm_access.roles", "lecturer", oidc.RoleModerator),
		oidc.EmailDomainRule("uni.example", oidc.RoleViewer),
	}
	fmt.Println(oidc.ResolveRole(id, nil, oidc.RoleDenied, rules...))
	id.Claims = nil
	fmt.Println(oidc.ResolveRole(id, nil, oidc.RoleDenied, rules...))
	id.Email = "someone@elsewhere.example"
	fmt.Println(oidc.ResolveRole(id, nil, oidc.RoleDenied, rules...))
	// Output:
	// MODERATOR
	// VIEWER
	// DENIED
}

func ExampleClaimMapping_Identity() {
	m := oidc.ClaimMapping{UserID: "employee_number", Required: []string{"groups"}}
	id, err := m.Identity(map[string]any{
		"sub":             "f81d4fae",
		"employee_number": "4711",
		"given_name":      "Grace",
		"family_name":     "Hopper",
		"groups":          []any{"navy"},
	})
	fmt.Println(id.UserID, id.FullName, err)
	_, err = m.Identity(map[string]any{"sub": "f81d4fae", "name": "Grace"})
	fmt.Println(err)
	// Output:
	// 4711 Grace Hopper <nil>
	// claim "employee_number" missing, empty or too long
}

// Portals that own their routing call Login from their own handler and
// mount the callback and wait handlers on the paths the Joiner expects.
func ExampleJoiner_Login() {
	var joiner *oidc.Joiner // from oidc.New, with RedirectURL https://meet.example/oidc/callback
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rooms/{id}/join", func(w http.ResponseWriter, r *http.Request) {
		joiner.Login(w, r, r.PathValue("id"))
	})
	mux.Handle("GET /oidc/callback", joiner.CallbackHandler())
	mux.Handle("GET /oidc/wait", joiner.WaitHandler())
}
