package bbb

import (
	"net/url"
	"slices"
)

// appendEscaped appends s escaped the way Java's URLEncoder does, which every
// BigBlueButton version accepts and which is a fixed point of the 2.4-era
// re-encoding: A-Z a-z 0-9 . - _ * are kept, space becomes '+', every other
// byte of the UTF-8 encoding becomes %XX with upper-case hex.
func appendEscaped(dst []byte, s string) []byte {
	const hexDigits = "0123456789ABCDEF"
	// Most values (IDs, roles, numbers) need no escaping: find the clean
	// prefix four bytes at a time and copy it at once.
	i := 0
	for i+4 <= len(s) && unreserved[s[i]] && unreserved[s[i+1]] && unreserved[s[i+2]] && unreserved[s[i+3]] {
		i += 4
	}
	for i < len(s) && unreserved[s[i]] {
		i++
	}
	dst = append(dst, s[:i]...)
	if i == len(s) {
		return dst
	}
	// The rest is written by index into room grown once for the worst case
	// (every byte escaped).
	rest := s[i:]
	n := len(dst)
	dst = slices.Grow(dst, 3*len(rest))[:n+3*len(rest)]
	out := dst[n:]
	w := 0
	for j := 0; j < len(rest); j++ {
		c := rest[j]
		switch {
		case unreserved[c]:
			out[w] = c
			w++
		case c == ' ':
			out[w] = '+'
			w++
		default:
			out[w] = '%'
			out[w+1] = hexDigits[c>>4]
			out[w+2] = hexDigits[c&15]
			w += 3
		}
	}
	return dst[:n+w]
}

// unreserved marks the bytes Java's URLEncoder keeps as they are.
var unreserved = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_' || c == '*'
	}
	return t
}()

// Escape escapes a query component the way Java's URLEncoder does (space as
// '+'); it is the encoding bbbkit signs and sends.
func Escape(s string) string { return string(appendEscaped(nil, s)) }

// EncodeQuery encodes v with keys in sorted order and Java-URLEncoder
// escaping. The result is exactly what the client hashes and sends.
func EncodeQuery(v url.Values) string {
	if len(v) == 0 {
		return ""
	}
	keys := make([]string, 0, len(v))
	size := 0
	for k, vs := range v {
		keys = append(keys, k)
		for _, x := range vs {
			size += len(k) + len(x) + 8
		}
	}
	slices.Sort(keys)
	buf := make([]byte, 0, size)
	for _, k := range keys {
		for _, x := range v[k] {
			if len(buf) > 0 {
				buf = append(buf, '&')
			}
			buf = appendEscaped(buf, k)
			buf = append(buf, '=')
			buf = appendEscaped(buf, x)
		}
	}
	return string(buf)
}
