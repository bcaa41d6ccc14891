package oidc

import "testing"

func TestResolveRole(t *testing.T) {
	t.Parallel()
	teacher := &Identity{Email: "ada@uni.example", EmailVerified: true, Claims: map[string]any{
		"groups":       []any{"/staff", "teachers"},
		"realm_access": map[string]any{"roles": []any{"bbb-moderator"}},
		"affiliation":  "staff,member",
		"scope":        "openid bbb",
	}}
	unverified := &Identity{Email: "eve@uni.example", EmailVerified: false}
	sub := &Identity{Email: "x@sub.uni.example", EmailVerified: true}
	look := &Identity{Email: "x@baduni.example", EmailVerified: true}
	room := &Room{ID: "r", Rules: []RoleRule{ClaimRule("groups", "room-owner", RoleModerator)}}
	owner := &Identity{Claims: map[string]any{"groups": []any{"room-owner"}}}

	cases := []struct {
		name  string
		id    *Identity
		room  *Room
		def   Role
		rules []RoleRule
		want  Role
	}{
		{"no rules: default viewer", teacher, nil, "", nil, RoleViewer},
		{"default moderator", teacher, nil, RoleModerator, nil, RoleModerator},
		{"group in list", teacher, nil, RoleViewer, []RoleRule{ClaimRule("groups", "teachers", RoleModerator)}, RoleModerator},
		{"group path with slash is exact", teacher, nil, RoleViewer, []RoleRule{ClaimRule("groups", "staff", RoleModerator)}, RoleViewer},
		{"nested roles claim", teacher, nil, RoleViewer, []RoleRule{ClaimRule("realm_access.roles", "bbb-moderator", RoleModerator)}, RoleModerator},
		{"comma separated string", teacher, nil, RoleViewer, []RoleRule{ClaimRule("affiliation", "staff", RoleModerator)}, RoleModerator},
		{"space separated string", teacher, nil, RoleViewer, []RoleRule{ClaimRule("scope", "bbb", RoleModerator)}, RoleModerator},
		{"case sensitive", teacher, nil, RoleViewer, []RoleRule{ClaimRule("groups", "Teachers", RoleModerator)}, RoleViewer},
		{"first match wins", teacher, nil, RoleViewer, []RoleRule{ClaimRule("groups", "teachers", RoleDenied), ClaimRule("groups", "teachers", RoleModerator)}, RoleDenied},
		{"email domain", teacher, nil, RoleViewer, []RoleRule{EmailDomainRule("@UNI.example", RoleModerator)}, RoleModerator},
		{"unverified email never matches", unverified, nil, RoleViewer, []RoleRule{EmailDomainRule("uni.example", RoleModerator)}, RoleViewer},
		{"subdomain does not match", sub, nil, RoleViewer, []RoleRule{EmailDomainRule("uni.example", RoleModerator)}, RoleViewer},
		{"lookalike does not match", look, nil, RoleViewer, []RoleRule{EmailDomainRule("uni.example", RoleModerator)}, RoleViewer},
		{"custom func", teacher, nil, RoleViewer, []RoleRule{func(id *Identity, _ *Room) (Role, bool) { return RoleModerator, id.Email == "ada@uni.example" }}, RoleModerator},
		{"invalid role fails closed", teacher, nil, RoleViewer, []RoleRule{func(*Identity, *Room) (Role, bool) { return "ADMIN", true }}, RoleDenied},
		{"nil rule skipped", teacher, nil, RoleViewer, []RoleRule{nil}, RoleViewer},
		{"room rule before global", owner, room, RoleViewer, []RoleRule{ClaimRule("groups", "room-owner", RoleDenied)}, RoleModerator},
		{"room rules fall through", teacher, room, RoleViewer, []RoleRule{ClaimRule("groups", "teachers", RoleModerator)}, RoleModerator},
		{"missing claim no match", unverified, nil, RoleViewer, []RoleRule{ClaimRule("groups", "x", RoleModerator)}, RoleViewer},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := ResolveRole(c.id, c.room, c.def, c.rules...); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}
