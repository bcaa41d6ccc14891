package greenlight

import (
	"bytes"
	"html"
	"strings"
)

// maxCSRFTokenLen bounds the token taken from a page; Rails tokens are 88 bytes.
const maxCSRFTokenLen = 512

// parseCSRFMeta finds <meta name="csrf-token" content="..."> in an HTML page,
// with attributes in any order, either quote style and any letter case.
func parseCSRFMeta(page []byte) (string, bool) {
	lower := asciiLower(page)
	for off := 0; ; {
		i := bytes.Index(lower[off:], []byte("<meta"))
		if i < 0 {
			return "", false
		}
		start := off + i + len("<meta")
		end := bytes.IndexByte(lower[start:], '>')
		if end < 0 {
			return "", false
		}
		attrs := parseAttrs(string(page[start : start+end]))
		if strings.EqualFold(attrs["name"], "csrf-token") {
			tok := html.UnescapeString(attrs["content"])
			if tok == "" || len(tok) > maxCSRFTokenLen || strings.ContainsAny(tok, " \t\r\n\"'<>") {
				return "", false
			}
			return tok, true
		}
		off = start + end
	}
}

// parseAttrs reads name=value pairs of one tag (lower-cased names).
func parseAttrs(s string) map[string]string {
	attrs := map[string]string{}
	for i := 0; i < len(s); {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '/') {
			i++
		}
		j := i
		for j < len(s) && s[j] != '=' && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r' && s[j] != '/' {
			j++
		}
		if j == i {
			i++
			continue
		}
		name := strings.ToLower(s[i:j])
		i = j
		if i >= len(s) || s[i] != '=' {
			attrs[name] = ""
			continue
		}
		i++
		if i < len(s) && (s[i] == '"' || s[i] == '\'') {
			q := s[i]
			k := strings.IndexByte(s[i+1:], q)
			if k < 0 {
				attrs[name] = s[i+1:]
				break
			}
			attrs[name] = s[i+1 : i+1+k]
			i = i + 2 + k
			continue
		}
		k := i
		for k < len(s) && s[k] != ' ' && s[k] != '\t' && s[k] != '\n' && s[k] != '\r' {
			k++
		}
		attrs[name] = s[i:k]
		i = k
	}
	return attrs
}

// asciiLower lower-cases ASCII letters only, so offsets stay those of page.
func asciiLower(page []byte) []byte {
	out := make([]byte, len(page))
	for i, c := range page {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}
