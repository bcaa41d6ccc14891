package xmlx

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseInt parses a whole number leniently: surrounding white space is
// ignored, thousands separators (",", "_" and "'") are dropped, and an empty
// string is zero. BigBlueButton 2.5/2.6 printed counts as "1,000".
func ParseInt(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ',', '_', '\'', ' ', '\u00a0', '\u202f':
			return -1
		}
		return r
	}, s)
	n, err := strconv.ParseInt(clean, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("xmlx: %q is not a whole number", truncate(s))
	}
	return n, nil
}

// ParseBool parses "true"/"false" in any case; empty is false. Anything else
// is an error.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, nil
	case "false", "":
		return false, nil
	}
	return false, fmt.Errorf("xmlx: %q is not a boolean", truncate(s))
}

// ParseMillis parses a Unix time in milliseconds. An empty string and "0" are
// the zero time.Time, which is what BigBlueButton means by them.
func ParseMillis(s string) (time.Time, error) {
	n, err := ParseInt(s)
	if err != nil || n == 0 {
		return time.Time{}, err
	}
	return time.UnixMilli(n).UTC(), nil
}

// truncate quotes short values only: a long one could be a credential a
// hostile server echoed back, so only its length is told.
func truncate(s string) string {
	if len(s) > 24 {
		return fmt.Sprintf("(%d bytes)", len(s))
	}
	return s
}
