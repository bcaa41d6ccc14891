package oidc

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func claimsFromJSON(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestClaimMappingIdentity(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		claims  string
		mapping ClaimMapping
		want    Identity
		missing string
	}{
		{
			name:   "defaults",
			claims: `{"sub":"s1","name":"Ada Lovelace","email":"Ada@Uni.Example","email_verified":true,"picture":"https://x/a.png"}`,
			want:   Identity{Subject: "s1", UserID: "s1", FullName: "Ada Lovelace", Email: "ada@uni.example", EmailVerified: true, AvatarURL: "https://x/a.png"},
		},
		{
			name:   "preferred_username fallback, email_verified as string",
			claims: `{"sub":"s1","preferred_username":"ada","email_verified":"true","email":"a@b.c"}`,
			want:   Identity{Subject: "s1", UserID: "s1", FullName: "ada", Email: "a@b.c", EmailVerified: true},
		},
		{
			name:   "given and family name",
			claims: `{"sub":"s1","given_name":"Ada","family_name":"Lovelace"}`,
			want:   Identity{Subject: "s1", UserID: "s1", FullName: "Ada Lovelace"},
		},
		{
			name:    "custom user ID claim, numeric",
			claims:  `{"sub":"s1","name":"A","employee":{"number":4711}}`,
			mapping: ClaimMapping{UserID: "employee.number"},
			want:    Identity{Subject: "s1", UserID: "4711", FullName: "A"},
		},
		{
			name:    "claim name with dots wins over nesting",
			claims:  `{"sub":"s1","name":"A","urn:x.uid":"u9"}`,
			mapping: ClaimMapping{UserID: "urn:x.uid"},
			want:    Identity{Subject: "s1", UserID: "u9", FullName: "A"},
		},
		{
			name:   "avatar that is not http(s) is dropped",
			claims: `{"sub":"s1","name":"A","picture":"javascript:alert(1)"}`,
			want:   Identity{Subject: "s1", UserID: "s1", FullName: "A"},
		},
		{name: "no sub", claims: `{"name":"A"}`, missing: "sub"},
		{name: "empty sub", claims: `{"sub":"","name":"A"}`, missing: "sub"},
		{name: "no name", claims: `{"sub":"s1","email":"a@b.c"}`, missing: "name|preferred_username"},
		{name: "blank name", claims: `{"sub":"s1","name":"   "}`, missing: "name|preferred_username"},
		{name: "user ID claim missing", claims: `{"sub":"s1","name":"A"}`, mapping: ClaimMapping{UserID: "oid"}, missing: "oid"},
		{name: "user ID claim is an object", claims: `{"sub":"s1","name":"A","oid":{"a":1}}`, mapping: ClaimMapping{UserID: "oid"}, missing: "oid"},
		{name: "required list empty", claims: `{"sub":"s1","name":"A","groups":[]}`, mapping: ClaimMapping{Required: []string{"groups"}}, missing: "groups"},
		{name: "required null", claims: `{"sub":"s1","name":"A","groups":null}`, mapping: ClaimMapping{Required: []string{"groups"}}, missing: "groups"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			claims := claimsFromJSON(t, c.claims)
			id, err := c.mapping.Identity(claims)
			if c.missing != "" {
				var mc *MissingClaimError
				if !errors.As(err, &mc) || mc.Claim != c.missing || !errors.Is(err, ErrMissingClaim) {
					t.Fatalf("err = %v, want missing %q", err, c.missing)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			id.Claims = nil
			if !reflect.DeepEqual(*id, c.want) {
				t.Fatalf("got %+v\nwant %+v", *id, c.want)
			}
		})
	}
}

func TestClaimStrings(t *testing.T) {
	t.Parallel()
	id := &Identity{Claims: claimsFromJSON(t, `{
		"groups":["a",1,true,{"x":1},""],
		"realm_access":{"roles":["teacher","staff"]},
		"resource_access":{"portal":{"roles":["admin"]}},
		"affiliation":"staff member",
		"n":3.5}`)}
	for path, want := range map[string][]string{
		"groups":                       {"a", "1", "true"},
		"realm_access.roles":           {"teacher", "staff"},
		"resource_access.portal.roles": {"admin"},
		"affiliation":                  {"staff member"},
		"n":                            {"3.5"},
		"missing":                      nil,
		"realm_access.missing":         nil,
		"affiliation.x":                nil,
	} {
		if got := id.ClaimStrings(path); !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", path, got, want)
		}
	}
}

func TestClaimUserData(t *testing.T) {
	t.Parallel()
	m := ClaimMapping{UserData: map[string]string{"groups": "groups", "email": "userdata-mail", "absent": "x"}}
	id, err := m.Identity(claimsFromJSON(t, `{"sub":"s","name":"n","groups":["a","b"],"email":"e@x"}`))
	if err != nil {
		t.Fatal(err)
	}
	got := m.userData(id)
	want := map[string]string{"groups": "a,b", "mail": "e@x"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("userdata %v, want %v", got, want)
	}
}

func FuzzClaimMapping(f *testing.F) {
	f.Add(`{"sub":"s","name":"n","groups":["a"]}`, "groups", "a")
	f.Add(`{"sub":1,"name":["x"]}`, "realm_access.roles", "")
	f.Add(`{"a":{"b":{"c":"d"}}}`, "a.b.c", "d")
	f.Fuzz(func(t *testing.T, raw, path, value string) {
		var claims map[string]any
		if json.Unmarshal([]byte(raw), &claims) != nil {
			return
		}
		m := ClaimMapping{UserID: path, Required: []string{path}}
		id, err := m.Identity(claims)
		if err != nil {
			if !errors.Is(err, ErrMissingClaim) {
				t.Fatalf("unexpected error kind %v", err)
			}
			return
		}
		if id.UserID == "" || id.FullName == "" || id.Subject == "" {
			t.Fatalf("identity without user ID or name: %+v", id)
		}
		_ = ResolveRole(id, nil, RoleViewer, ClaimRule(path, value, RoleModerator), EmailDomainRule(value, RoleModerator))
	})
}
