package oidc

import (
	"strings"
)

// Role is the outcome of the role rules for one user and one room.
type Role string

// Roles. RoleModerator and RoleViewer are the values of BBB's join "role"
// parameter; RoleDenied refuses the join.
const (
	RoleViewer    Role = "VIEWER"
	RoleModerator Role = "MODERATOR"
	RoleDenied    Role = "DENIED"
)

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool {
	return r == RoleViewer || r == RoleModerator || r == RoleDenied
}

// RoleRule decides a role for a user in a room, or declines with ok false so
// the next rule is asked. Any function of this shape is a rule; ClaimRule and
// EmailDomainRule build the common ones.
type RoleRule func(id *Identity, room *Room) (role Role, ok bool)

// ClaimRule matches when the claim at path (see Identity.Claim) holds value:
// a list claim (groups, roles) contains it, or a string claim equals it or
// has it as one of its comma- or space-separated parts. Matching is exact
// and case-sensitive, as group names are ("/staff" and "staff" differ).
func ClaimRule(path, value string, role Role) RoleRule {
	return func(id *Identity, _ *Room) (Role, bool) {
		v, ok := id.Claim(path)
		if !ok {
			return "", false
		}
		if s, isString := v.(string); isString {
			if s == value {
				return role, true
			}
			for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
				if part == value {
					return role, true
				}
			}
			return "", false
		}
		for _, s := range claimStrings(v) {
			if s == value {
				return role, true
			}
		}
		return "", false
	}
}

// EmailDomainRule matches users whose verified email address is in domain
// (case-insensitive; "example.org" matches "a@example.org", not
// "a@sub.example.org" and not "a@badexample.org"). An email whose
// email_verified claim is not true never matches: providers that let users
// type any address would otherwise grant roles to anyone.
func EmailDomainRule(domain string, role Role) RoleRule {
	domain = strings.ToLower(strings.TrimPrefix(domain, "@"))
	return func(id *Identity, _ *Room) (Role, bool) {
		if !id.EmailVerified || domain == "" {
			return "", false
		}
		at := strings.LastIndexByte(id.Email, '@')
		if at < 1 || id.Email[at+1:] != domain {
			return "", false
		}
		return role, true
	}
}

// ResolveRole asks the room's rules, then rules, in order; the first rule
// that matches decides. When none matches, the result is def (RoleViewer
// when def is not a valid role). A rule answering an invalid role counts as
// RoleDenied, so a mistake fails closed.
func ResolveRole(id *Identity, room *Room, def Role, rules ...RoleRule) Role {
	if !def.Valid() {
		def = RoleViewer
	}
	try := func(rs []RoleRule) (Role, bool) {
		for _, rule := range rs {
			if rule == nil {
				continue
			}
			if r, ok := rule(id, room); ok {
				if !r.Valid() {
					return RoleDenied, true
				}
				return r, true
			}
		}
		return "", false
	}
	if room != nil {
		if r, ok := try(room.Rules); ok {
			return r
		}
	}
	if r, ok := try(rules); ok {
		return r
	}
	return def
}
