package redact

import "strings"

// keyWords name the parameters whose values are credentials: params finds
// them anywhere in text (keyAt tries them in this order, longest first, so
// "password" wins over "pass"), IsSecretParam as the ending of a name.
var keyWords = []string{"checksum", "password", "secret", "token", "pass", "pw"}

// markers separate a parameter name from its value in the encodings
// servers echo: query (plain, percent-encoded once or twice, JSON- or
// HTML-escaped), JSON objects, XML elements (plain or HTML-escaped).
var markers = []string{"=", ":", "%3d", "%253d", `\u003d`, "&#61;", "&#x3d;", "&gt;", ">"}

// quotes open a quoted value; the value ends at the matching closer.
var quotes = []struct{ open, close string }{
	{`\"`, `\"`}, {`"`, `"`}, {"&quot;", "&quot;"}, {"&#34;", "&#34;"}, {"'", "'"},
}

// params redacts the value of every secret parameter in s. Scanning goes on
// inside a value it redacts, so a key hidden in what looked like the value
// of another ("pw=checksum%3D...") is found too; overlapping values merge.
func params(s string) string {
	var b strings.Builder
	last, maskFrom, maskTo := 0, -1, -1
	flush := func() {
		if maskFrom >= 0 {
			b.WriteString(s[last:maskFrom])
			b.WriteString(Mask)
			last = maskTo
		}
	}
	for i := 0; i < len(s); {
		n := keyAt(s, i)
		if n == 0 {
			i++
			continue
		}
		i += n
		start, closer, ok := valueStart(s, i)
		if !ok {
			continue
		}
		end := valueEnd(s, start, closer)
		if end == start || s[start:end] == Mask {
			continue
		}
		if start > maskTo {
			flush()
			maskFrom = start
		}
		maskTo = max(maskTo, end)
	}
	if maskFrom < 0 {
		return s
	}
	flush()
	b.WriteString(s[last:])
	return b.String()
}

// keyAt returns the length of the secret key word at s[i:], or 0.
func keyAt(s string, i int) int {
	for _, w := range keyWords {
		if hasFoldPrefix(s[i:], w) {
			return len(w)
		}
	}
	return 0
}

// valueStart skips what may sit between a key and its value (a closing
// quote of a JSON key, blanks, one marker, an opening quote) and returns
// where the value starts and what closes it ("" for an unquoted value).
func valueStart(s string, i int) (start int, closer string, ok bool) {
	i = skipQuote(s, i)
	i = skipBlanks(s, i)
	marker := ""
	for _, m := range markers {
		if hasFoldPrefix(s[i:], m) {
			marker = m
			break
		}
	}
	if marker == "" {
		return 0, "", false
	}
	i = skipBlanks(s, i+len(marker))
	switch marker {
	case ">":
		return i, "<", true
	case "&gt;":
		return i, "&lt;", true
	}
	for _, q := range quotes {
		if strings.HasPrefix(s[i:], q.open) {
			return i + len(q.open), q.close, true
		}
	}
	return i, "", true
}

// valueEnd returns where the value starting at s[i] ends: at its closer
// (or the end of s when the closer is missing, as in a truncated snippet),
// or for an unquoted value at the first byte that cannot be part of it.
func valueEnd(s string, i int, closer string) int {
	if closer == `"` {
		for j := i; j < len(s); j++ {
			switch s[j] {
			case '\\':
				j++ // an escape inside a JSON string
			case '"':
				return j
			}
		}
		return len(s)
	}
	if closer != "" {
		if k := strings.Index(s[i:], closer); k >= 0 {
			return i + k
		}
		return len(s)
	}
	j := i
	for j < len(s) && valueByte(s, j) {
		j++
	}
	return j
}

// valueByte reports whether s[j] continues an unquoted value: unreserved
// and sub-delimiter bytes, non-ASCII bytes, and percent escapes other than
// the ones that separate parameters in an encoded query (%26, %2526).
func valueByte(s string, j int) bool {
	c := s[j]
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '%':
		rest := s[j+1:]
		return !hasFoldPrefix(rest, "26") && !hasFoldPrefix(rest, "2526")
	}
	return strings.IndexByte("-._~+*!$/=@()", c) >= 0 || c >= 0x80
}

func skipQuote(s string, i int) int {
	for _, q := range quotes {
		if strings.HasPrefix(s[i:], q.close) {
			return i + len(q.close)
		}
	}
	return i
}

func skipBlanks(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// hasFoldPrefix reports whether s starts with prefix, ASCII case folded
// (prefix is lower case).
func hasFoldPrefix(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}
