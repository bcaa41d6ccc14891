package main

import (
	"strings"
	"testing"
)

// FuzzParsePool: any pool file parses or fails cleanly, every server has
// three non-empty fields, and no error quotes a line (which holds a
// secret).
func FuzzParsePool(f *testing.F) {
	f.Add("a http://x/ secret\n# c\n\nb http://y/ s2\n")
	f.Add("a b\n")
	f.Add("\x00 \xff x\r\n")
	f.Fuzz(func(t *testing.T, data string) {
		servers, err := parsePool([]byte(data))
		if err != nil {
			for _, field := range strings.Fields(data) {
				if len(field) > 8 && strings.Contains(err.Error(), field) {
					t.Fatalf("error %q quotes input %q", err, field)
				}
			}
			return
		}
		for _, s := range servers {
			if s.ID == "" || s.URL == "" || s.Secret == "" {
				t.Fatalf("empty field in %+v", s)
			}
		}
	})
}
