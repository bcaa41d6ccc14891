package oidc

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Identity is the signed-in user as the claim mapping sees them.
type Identity struct {
	// Subject is the ID token's "sub" claim.
	Subject string
	// UserID is the value of the mapping's user ID claim; it becomes the BBB
	// userID.
	UserID string
	// FullName becomes the BBB fullName.
	FullName string
	// Email is the email claim, lower-cased.
	Email string
	// EmailVerified reports the email_verified claim.
	EmailVerified bool
	// AvatarURL becomes the BBB avatarURL; only http and https URLs are kept.
	AvatarURL string
	// Claims holds every claim of the ID token, completed by UserInfo claims
	// the ID token did not carry.
	Claims map[string]any
}

// Claim returns the claim at path: a claim name, or names separated by dots
// to reach into nested objects ("realm_access.roles",
// "resource_access.portal.roles"). A claim whose own name contains dots is
// found too: the full path is tried as a name before it is split.
func (id *Identity) Claim(path string) (any, bool) {
	return lookupClaim(id.Claims, path)
}

// ClaimStrings returns the claim at path as a list of strings: a JSON array
// gives its string, number and boolean elements; a string gives itself; a
// number or boolean gives its text. Anything else gives nil.
func (id *Identity) ClaimStrings(path string) []string {
	v, ok := id.Claim(path)
	if !ok {
		return nil
	}
	return claimStrings(v)
}

// ClaimString returns the claim at path when it is a non-empty scalar.
func (id *Identity) ClaimString(path string) string {
	v, ok := id.Claim(path)
	if !ok {
		return ""
	}
	return scalarString(v)
}

func lookupClaim(claims map[string]any, path string) (any, bool) {
	if path == "" || claims == nil {
		return nil, false
	}
	if v, ok := claims[path]; ok {
		return v, v != nil
	}
	head, rest, found := strings.Cut(path, ".")
	if !found {
		return nil, false
	}
	inner, ok := claims[head].(map[string]any)
	if !ok {
		return nil, false
	}
	return lookupClaim(inner, rest)
}

func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

func claimStrings(v any) []string {
	switch x := v.(type) {
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s := scalarString(e); s != "" {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return x
	}
	if s := scalarString(v); s != "" {
		return []string{s}
	}
	return nil
}

// ClaimMapping says which claims make up an Identity. The zero value is not
// useful; start from DefaultClaimMapping.
type ClaimMapping struct {
	// UserID is the claim path of the BBB userID. Default "sub".
	UserID string
	// Name lists claim paths tried in order for the full name. Default
	// "name", then "preferred_username". When none is set, "given_name" and
	// "family_name" are joined.
	Name []string
	// Avatar is the claim path of the avatar URL. Default "picture".
	Avatar string
	// Email is the claim path of the email address. Default "email".
	Email string
	// Required lists further claim paths that must be present and non-empty,
	// e.g. "groups" for a deployment where every user has groups.
	Required []string
	// UserData maps claim paths to BBB userdata keys: the claim's value
	// (lists joined by commas) is passed as userdata-<key> on join. Keys are
	// given without the "userdata-" prefix.
	UserData map[string]string
}

// DefaultClaimMapping returns the mapping used when none is configured.
func DefaultClaimMapping() ClaimMapping {
	return ClaimMapping{
		UserID: "sub",
		Name:   []string{"name", "preferred_username"},
		Avatar: "picture",
		Email:  "email",
	}
}

func (m ClaimMapping) withDefaults() ClaimMapping {
	d := DefaultClaimMapping()
	if m.UserID == "" {
		m.UserID = d.UserID
	}
	if len(m.Name) == 0 {
		m.Name = d.Name
	}
	if m.Avatar == "" {
		m.Avatar = d.Avatar
	}
	if m.Email == "" {
		m.Email = d.Email
	}
	return m
}

const maxClaimValue = 1024 // BBB truncates long names anyway; longer values are refused

// MissingClaimError names the claim a mapping could not find.
type MissingClaimError struct {
	// Claim is the claim path that is missing, empty or unusable.
	Claim string
}

// Error implements error.
func (e *MissingClaimError) Error() string {
	return fmt.Sprintf("claim %q missing, empty or too long", e.Claim)
}

// Is makes errors.Is(err, ErrMissingClaim) true.
func (e *MissingClaimError) Is(target error) bool { return target == ErrMissingClaim }

// Identity builds the Identity from verified claims. A missing user ID, a
// missing name, or a missing required claim is a *MissingClaimError.
func (m ClaimMapping) Identity(claims map[string]any) (*Identity, error) {
	m = m.withDefaults()
	id := &Identity{Claims: claims}
	id.Subject = id.ClaimString("sub")
	if id.Subject == "" {
		return nil, &MissingClaimError{Claim: "sub"}
	}
	id.UserID = id.ClaimString(m.UserID)
	if id.UserID == "" || len(id.UserID) > maxClaimValue {
		return nil, &MissingClaimError{Claim: m.UserID}
	}
	for _, p := range m.Name {
		if s := strings.TrimSpace(id.ClaimString(p)); s != "" {
			id.FullName = s
			break
		}
	}
	if id.FullName == "" {
		id.FullName = strings.TrimSpace(id.ClaimString("given_name") + " " + id.ClaimString("family_name"))
	}
	if id.FullName == "" || len(id.FullName) > maxClaimValue {
		return nil, &MissingClaimError{Claim: strings.Join(m.Name, "|")}
	}
	id.Email = strings.ToLower(strings.TrimSpace(id.ClaimString(m.Email)))
	if v, ok := id.Claim("email_verified"); ok {
		switch x := v.(type) {
		case bool:
			id.EmailVerified = x
		case string: // some providers send "true"
			id.EmailVerified = x == "true"
		}
	}
	if a := id.ClaimString(m.Avatar); strings.HasPrefix(a, "https://") || strings.HasPrefix(a, "http://") {
		if len(a) <= maxClaimValue {
			id.AvatarURL = a
		}
	}
	for _, p := range m.Required {
		if len(id.ClaimStrings(p)) == 0 {
			return nil, &MissingClaimError{Claim: p}
		}
	}
	return id, nil
}

// userData returns the userdata-* values the mapping derives from id.
func (m ClaimMapping) userData(id *Identity) map[string]string {
	if len(m.UserData) == 0 {
		return nil
	}
	out := make(map[string]string, len(m.UserData))
	for path, key := range m.UserData {
		if vals := id.ClaimStrings(path); len(vals) > 0 {
			out[strings.TrimPrefix(key, "userdata-")] = strings.Join(vals, ",")
		}
	}
	return out
}
