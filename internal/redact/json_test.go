package redact

import (
	"encoding/json"
	"testing"
)

func TestJSON(t *testing.T) {
	t.Parallel()
	keys := []string{"pw", "token"}
	for in, want := range map[string]string{
		`{"a":1,"pw":"x"}`:                         `{"a":1,"pw":"M"}`,
		`{"pw":{"n":[1,{"token":2}]},"b":[true]}`:  `{"pw":"M","b":[true]}`,
		`[{"token":null},{"x":{"token":[1]}}]`:     `[{"token":"M"},{"x":{"token":"M"}}]`,
		` { "x" : "é<&>" , "y" : 1.5e3 } `:         `{"x":"é<&>","y":1.5e3}`,
		`{"a":{"b":{}},"c":[],"pw":false,"d":"e"}`: `{"a":{"b":{}},"c":[],"pw":"M","d":"e"}`,
	} {
		got, err := JSON([]byte(in), keys, "M")
		if err != nil || string(got) != want || !json.Valid(got) {
			t.Errorf("JSON(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	if _, err := JSON([]byte(`{"a":`), keys, "M"); err == nil {
		t.Error("truncated JSON accepted")
	}
}
