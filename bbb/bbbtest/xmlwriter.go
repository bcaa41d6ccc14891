package bbbtest

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// xmlWriter builds the XML answers the way bbb-web's FreeMarker templates
// print them after <#compress>: one element per line, no indentation, text
// escaped with the five predefined entities.
type xmlWriter struct {
	b []byte
}

func (w *xmlWriter) open(name string) {
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.b = append(w.b, ">\n"...)
}

func (w *xmlWriter) close(name string) {
	w.b = append(w.b, "</"...)
	w.b = append(w.b, name...)
	w.b = append(w.b, ">\n"...)
}

func (w *xmlWriter) empty(name string) {
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.b = append(w.b, "/>\n"...)
}

func (w *xmlWriter) elem(name, text string) {
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
	w.b = appendEscaped(w.b, text)
	w.b = append(w.b, "</"...)
	w.b = append(w.b, name...)
	w.b = append(w.b, ">\n"...)
}

func (w *xmlWriter) boolElem(name string, v bool) {
	w.elem(name, strconv.FormatBool(v))
}

func (w *xmlWriter) intElem(name string, v int64) {
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
	w.b = strconv.AppendInt(w.b, v, 10)
	w.b = append(w.b, "</"...)
	w.b = append(w.b, name...)
	w.b = append(w.b, ">\n"...)
}

// image prints a preview image element with its attributes in the order of
// include-recording.ftlx.
func (w *xmlWriter) image(width, height int, alt, url string) {
	w.b = append(w.b, `<image width="`...)
	w.b = strconv.AppendInt(w.b, int64(width), 10)
	w.b = append(w.b, `" height="`...)
	w.b = strconv.AppendInt(w.b, int64(height), 10)
	w.b = append(w.b, `" alt="`...)
	w.b = appendEscaped(w.b, alt)
	w.b = append(w.b, `">`...)
	w.b = appendEscaped(w.b, url)
	w.b = append(w.b, "</image>\n"...)
}

// appendEscaped escapes like FreeMarker's XML output format and replaces
// characters XML 1.0 cannot carry with U+FFFD, so the answer always parses.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '&':
				b = append(b, "&amp;"...)
			case '<':
				b = append(b, "&lt;"...)
			case '>':
				b = append(b, "&gt;"...)
			case '"':
				b = append(b, "&quot;"...)
			case '\'':
				b = append(b, "&apos;"...)
			default:
				if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
					b = append(b, "\uFFFD"...)
				} else {
					b = append(b, c)
				}
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !validXMLRune(r) || (r == utf8.RuneError && n == 1) {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return b
}

func validXMLRune(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		(r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) ||
		(r >= 0x10000 && r <= 0x10FFFF)
}

func validXMLText(s string) string {
	ok := true
	for i, r := range s {
		if !validXMLRune(r) || (r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD")) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if !validXMLRune(r) || (r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD")) {
			b.WriteRune('\uFFFD')
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isXMLName reports whether s can be printed as an element name. bbb-web
// prints metadata and custom-data keys as element names; the fake drops keys
// that would make the document unparsable.
func isXMLName(s string) bool {
	if s == "" || strings.HasPrefix(strings.ToLower(s), "xml") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}
