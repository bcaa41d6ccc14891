package bbbtest

import "testing"

func TestGroupThousands(t *testing.T) {
	t.Parallel()
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := groupThousands(in); got != want {
			t.Errorf("%d -> %q, want %q", in, got, want)
		}
	}
}

func TestAppendEscaped(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`a&b<c>d"e'f`: "a&amp;b&lt;c&gt;d&quot;e&apos;f",
		"bell\x07":    "bell\uFFFD",
		"bad\xffutf8": "bad\uFFFDutf8",
		"ok\ttab\n":   "ok\ttab\n",
		"\uFFFE":      "\uFFFD",
	} {
		if got := string(appendEscaped(nil, in)); got != want {
			t.Errorf("%q -> %q, want %q", in, got, want)
		}
	}
	for name, ok := range map[string]bool{"bbb-origin": true, "a.b": true, "9x": false, "": false, "xmlfoo": false, "a b": false, "_x": true} {
		if isXMLName(name) != ok {
			t.Errorf("isXMLName(%q) != %v", name, ok)
		}
	}
}

func TestUUIDv5(t *testing.T) {
	t.Parallel()
	// Expected value from Python: uuid.uuid5(uuid.NAMESPACE_URL, "https://example.com/hook").
	if got, want := uuidV5URL("https://example.com/hook"), "f2a278a1-d4bc-525a-b983-e08432b0e043"; got != want {
		t.Errorf("uuidV5URL = %s, want %s", got, want)
	}
}
