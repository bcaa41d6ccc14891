package redact

import (
	"html"
	"net/url"
	"strings"
	"testing"
)

const sum = "0123456789abcdef0123456789abcdef01234567"

func TestStringEncodings(t *testing.T) {
	t.Parallel()
	q := "meetingID=m1&sessionToken=tok123&checksum=" + sum
	cases := map[string]string{
		"query":             "GET /api/getMeetings?" + q,
		"after earlier ?":   "see https://h/x?a=b and then /api/join?" + q,
		"html escaped":      html.EscapeString("<a href=\"/api/join?" + q + "\">"),
		"json escaped":      `{"url":"/api/join?meetingID=m1\u0026sessionToken=tok123\u0026checksum=` + sum + `"}`,
		"json equals":       `/api/join?meetingID=m1\u0026sessionToken\u003dtok123\u0026checksum\u003d` + sum,
		"percent encoded":   "redirect=" + url.QueryEscape("https://h/api/join?"+q),
		"double encoded":    "redirect=" + url.QueryEscape(url.QueryEscape("https://h/api/join?"+q)),
		"json member":       `{"checksum": "` + sum + `", "sessionToken":"tok123"}`,
		"nested json":       `{"m":"{\"checksum\":\"` + sum + `\",\"sessionToken\":\"tok123\"}"}`,
		"xml elements":      "<response><sessionToken>tok123</sessionToken><checksum>" + sum + "</checksum></response>",
		"escaped xml":       html.EscapeString("<sessionToken>tok123</sessionToken><checksum>" + sum + "</checksum>"),
		"xml attribute":     `<error checksum="` + sum + `" sessionToken='tok123'/>`,
		"upper case":        "CHECKSUM=" + sum + "&SESSIONTOKEN=tok123",
		"html entity equal": "checksum&#61;" + sum + "&amp;sessionToken&#61;tok123",
		"truncated":         "join?sessionToken=tok123&checksum=" + sum[:10],
	}
	for name, in := range cases {
		out := String(in)
		for _, secret := range []string{sum[:10], "tok123"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s: %q survives in %q", name, secret, out)
			}
		}
		if !strings.Contains(out, Mask) {
			t.Errorf("%s: no %s in %q", name, Mask, out)
		}
	}
}

func TestStringKeepsOtherText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"meetingID=m1&checksum=" + sum + "&fullName=Ann":                  "meetingID=m1&checksum=REDACTED&fullName=Ann",
		"checksumError: you did not pass the checksum":                    "checksumError: you did not pass the checksum",
		"recordID=183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1531240585189": "recordID=183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1531240585189",
		"moderatorPW=mp&attendeePW=ap&name=x":                             "moderatorPW=REDACTED&attendeePW=REDACTED&name=x",
		"checksum=REDACTED":                                               "checksum=REDACTED",
		"":                                                                "",
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStringKnownSecrets(t *testing.T) {
	t.Parallel()
	const secret = "s3cr&t <value>"
	in := strings.Join([]string{"plain " + secret, "query " + url.QueryEscape(secret), "path " + url.PathEscape(secret),
		"html " + html.EscapeString(secret), `json s3cr\u0026t \u003cvalue\u003e`}, "|")
	out := String(in, secret, "ab")
	for _, part := range []string{"s3cr", "value"} {
		if strings.Contains(out, part) {
			t.Errorf("%q survives in %q", part, out)
		}
	}
	if !strings.Contains(out, "ab") && strings.Contains(in, "ab") {
		t.Error("a secret shorter than 3 bytes shredded the text")
	}
}

func TestURLAndQuery(t *testing.T) {
	t.Parallel()
	got := URL("https://h/bigbluebutton/api/join?fullName=A&password=pw1&checksum=" + sum)
	want := "https://h/bigbluebutton/api/join?fullName=A&password=REDACTED&checksum=REDACTED"
	if got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	if got := URL("https://h/x/" + "checksum=" + sum); strings.Contains(got, sum) {
		t.Errorf("URL kept a checksum in its path: %q", got)
	}
	if got := Query("a=1&b=2"); got != "a=1&b=2" {
		t.Errorf("Query changed a query without secrets: %q", got)
	}
	for _, k := range []string{"checksum", "sessionToken", "session_token", "auth_token", "attendeePW", "moderatorPW", "viewer-pass", "secret", "replaceSessionToken"} {
		if !IsSecretParam(k) {
			t.Errorf("IsSecretParam(%q) = false", k)
		}
	}
	for _, k := range []string{"meetingID", "fullName", "recordID", "checksumAlgorithm"} {
		if IsSecretParam(k) {
			t.Errorf("IsSecretParam(%q) = true", k)
		}
	}
}
