package redact

import (
	"html"
	"net/url"
	"strings"
	"testing"
)

// plantKeys are names a server may echo with a credential after them.
var plantKeys = []string{"checksum", "sessionToken", "session_token", "password", "attendeePW", "moderatorPW",
	"auth_token", "secret", "viewer-pass", "CHECKSUM"}

// plantings render key and value the ways a server echoes them; each ends
// with something that cannot continue the value.
var plantings = []func(k, v string) string{
	func(k, v string) string { return "?" + k + "=" + v + "&" },
	func(k, v string) string { return "&amp;" + k + "=" + v + "&amp;" },
	func(k, v string) string { return `\u0026` + k + "=" + v + `\u0026` },
	func(k, v string) string { return `\u0026` + k + `\u003d` + v + `"` },
	func(k, v string) string { return url.QueryEscape("?"+k+"="+v+"&x") + " " },
	func(k, v string) string { return url.QueryEscape(url.QueryEscape("&" + k + "=" + v + "&")) },
	func(k, v string) string { return `"` + k + `":"` + v + `"` },
	func(k, v string) string { return `\"` + k + `\": \"` + v + `\"` },
	func(k, v string) string { return "<" + k + ">" + v + "</" + k + ">" },
	func(k, v string) string { return html.EscapeString("<" + k + ">" + v + "</" + k + ">") },
	func(k, v string) string { return " " + k + `="` + v + `" ` },
	func(k, v string) string { return k + "&#61;" + v + "&amp;" },
	func(k, v string) string { return k + "=" + v }, // truncated snippet
}

// FuzzStringPlanted plants a secret-looking value after a secret key, in
// every encoding a server may echo it, inside arbitrary text: the value
// must not survive (beyond the copies the surrounding text held already).
func FuzzStringPlanted(f *testing.F) {
	f.Add("GET /api/join", "deadbeef0123", "<html>", uint8(0), uint8(0))
	f.Add("a?b=c", "tok9z8y7x6", "", uint8(3), uint8(5))
	f.Add(`{"x":"`, "pw12345", `"}`, uint8(7), uint8(6))
	f.Fuzz(func(t *testing.T, prefix, value, suffix string, key, how uint8) {
		value = plantable(value)
		if len(value) < 6 {
			return
		}
		plant := plantings[int(how)%len(plantings)]
		k := plantKeys[int(key)%len(plantKeys)]
		if int(how)%len(plantings) == len(plantings)-1 {
			suffix = "" // the truncated form ends the text
		}
		out := String(prefix + plant(k, value) + suffix)
		// What the text around the value holds by itself (key and
		// separators included) may stay; the planted copy must go.
		around := prefix + plant(k, Mask) + suffix
		if strings.Count(out, value) > strings.Count(around, value) {
			t.Fatalf("value %q survives\n in: %q\nout: %q", value, prefix+plant(k, value)+suffix, out)
		}
	})
}

// FuzzString checks that String never panics and is idempotent.
func FuzzString(f *testing.F) {
	f.Add("checksum=abc&sessionToken=x", "secret")
	f.Add(`"password":"a\"b"`, "")
	f.Fuzz(func(t *testing.T, s, secret string) {
		once := String(s, secret)
		if twice := String(once, secret); twice != once {
			t.Fatalf("not idempotent:\n%q\n%q", once, twice)
		}
	})
}

// plantable maps s onto letters that occur in no planting's separators
// (no hex digit, no letter of &amp; &lt; &gt; \u0026 &#x3d;), so that a
// separator next to the value cannot complete a copy of it.
func plantable(s string) string {
	const alphabet = "hijknorswyz"
	b := make([]byte, len(s))
	for i := range len(s) {
		b[i] = alphabet[int(s[i])%len(alphabet)]
	}
	return string(b)
}
