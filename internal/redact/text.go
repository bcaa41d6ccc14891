package redact

import (
	"encoding/json"
	"html"
	"net/url"
	"strings"
)

// Mask replaces every redacted value in text.
const Mask = "REDACTED"

// IsSecretParam reports whether the parameter called name carries a
// credential (a checksum, session or auth token, password or secret): its
// name ends in one of keyWords. A suffix match redacts more than needed (a
// parameter named "notoken" too), never less.
func IsSecretParam(name string) bool {
	name = strings.ToLower(name)
	for _, s := range keyWords {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// Query returns the raw query q with the value of every secret parameter
// replaced by Mask. Other parameters are kept byte for byte.
func Query(q string) string {
	if q == "" {
		return q
	}
	parts := strings.Split(q, "&")
	changed := false
	for i, p := range parts {
		k, _, ok := strings.Cut(p, "=")
		if ok && IsSecretParam(k) {
			parts[i] = k + "=" + Mask
			changed = true
		}
	}
	if !changed {
		return q
	}
	return strings.Join(parts, "&")
}

// URL returns u with its query redacted by Query and any other echo of a
// secret (in the path or fragment) by String.
func URL(u string) string {
	base, q, ok := strings.Cut(u, "?")
	if !ok {
		return String(u)
	}
	return String(base + "?" + Query(q))
}

// String returns s with every credential it can find removed: the values of
// secret parameters in any of the encodings listed in the package
// documentation, and every occurrence of the known secrets (in their plain,
// query-escaped, path-escaped, HTML-escaped and JSON-escaped forms). Known
// secrets shorter than 3 bytes are ignored: replacing them would shred the
// text without protecting anything.
func String(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) < 3 {
			continue
		}
		for _, form := range forms(sec) {
			if strings.Contains(s, form) {
				s = strings.ReplaceAll(s, form, Mask)
			}
		}
	}
	return params(s)
}

// forms returns the encodings in which a server may echo secret.
func forms(secret string) []string {
	out := []string{secret}
	for _, f := range []string{url.QueryEscape(secret), url.PathEscape(secret),
		html.EscapeString(secret), jsonEscape(secret), html.EscapeString(url.QueryEscape(secret))} {
		if f != secret && f != "" {
			out = append(out, f)
		}
	}
	return out
}

// jsonEscape returns secret as encoding/json writes it inside a string.
func jsonEscape(secret string) string {
	b, err := json.Marshal(secret)
	if err != nil || len(b) < 2 {
		return ""
	}
	return string(b[1 : len(b)-1])
}
