package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseRate reads a bandwidth such as "50MB/s", "800KiB/s", "1G" or
// "1048576" (bytes per second). "0" or "" means unlimited.
func parseRate(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	s = strings.TrimSuffix(strings.TrimSuffix(s, "/s"), "ps")
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	n, err := strconv.ParseFloat(s[:i], 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid rate %q", s)
	}
	units := map[string]float64{
		"": 1, "B": 1,
		"K": 1e3, "KB": 1e3, "M": 1e6, "MB": 1e6, "G": 1e9, "GB": 1e9,
		"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30,
	}
	u, ok := units[strings.TrimSpace(s[i:])]
	if !ok {
		return 0, fmt.Errorf("invalid rate unit in %q", s)
	}
	v := n * u
	if v > 1<<62 {
		return 0, fmt.Errorf("rate %q too large", s)
	}
	return int64(v), nil
}

// parseAge reads a duration that may use days ("90d", "1d12h") besides
// what time.ParseDuration accepts.
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var days int64
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		d, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil || d < 0 || d > 100000 {
			return 0, fmt.Errorf("invalid age %q", s)
		}
		days, s = d, s[i+1:]
	}
	var rest time.Duration
	if s != "" {
		var err error
		if rest, err = time.ParseDuration(s); err != nil || rest < 0 {
			return 0, fmt.Errorf("invalid age %q", s)
		}
	}
	return time.Duration(days)*24*time.Hour + rest, nil
}
