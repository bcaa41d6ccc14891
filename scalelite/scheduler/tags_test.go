package scheduler_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

func TestParseTags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in       string
		tags     []string
		required bool
		primary  []string
		fallback []string
		str      string
	}{
		{"", nil, false, []string{""}, nil, ""},
		{"!", nil, false, []string{""}, nil, ""},
		{";;!", nil, false, []string{""}, nil, ""},
		{"gpu", []string{"gpu"}, false, []string{"gpu"}, []string{""}, "gpu"},
		{"gpu!", []string{"gpu"}, true, []string{"gpu"}, nil, "gpu!"},
		{"gpu;big", []string{"gpu", "big"}, false, []string{"gpu", "big"}, []string{""}, "gpu;big"},
		{";gpu;;big;!", []string{"gpu", "big"}, true, []string{"gpu", "big"}, nil, "gpu;big!"},
		{"none", []string{"none"}, false, []string{""}, []string{""}, "none"},
		{"none;gpu!", []string{"none", "gpu"}, true, []string{"", "gpu"}, nil, "none;gpu!"},
		{"gpu!!", []string{"gpu!"}, true, []string{"gpu!"}, nil, "gpu!!"},
		{" gpu ", []string{" gpu "}, false, []string{" gpu "}, []string{""}, " gpu "},
		{"a!;", []string{"a!"}, false, []string{"a!"}, []string{""}, "a!;"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			q := scheduler.ParseTags(tc.in)
			if !slices.Equal(q.Tags, tc.tags) || q.Required != tc.required {
				t.Fatalf("ParseTags(%q) = %+v, want tags %q required %v", tc.in, q, tc.tags, tc.required)
			}
			p, f := q.Groups()
			if !slices.Equal(p, tc.primary) || !slices.Equal(f, tc.fallback) {
				t.Fatalf("Groups() = %q, %q; want %q, %q", p, f, tc.primary, tc.fallback)
			}
			if s := q.String(); s != tc.str {
				t.Fatalf("String() = %q, want %q", s, tc.str)
			}
		})
	}
}

func TestTagQueryMatches(t *testing.T) {
	t.Parallel()
	q := scheduler.ParseTags("gpu;none")
	for tag, want := range map[string]bool{"gpu": true, "": true, "big": false, "GPU": false} {
		if got := q.Matches(tag); got != want {
			t.Errorf("Matches(%q) = %v, want %v", tag, got, want)
		}
	}
	if scheduler.ParseTags("").Matches("") {
		t.Error("a query without tags matches nothing by itself (the fallback is Groups' job)")
	}
}

func FuzzParseTags(f *testing.F) {
	for _, s := range []string{"", "!", "gpu", "gpu;big!", ";;", "none!", "a!!", "\x00;!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := scheduler.ParseTags(s)
		for _, tag := range q.Tags {
			if tag == "" || strings.Contains(tag, ";") {
				t.Fatalf("ParseTags(%q) kept tag %q", s, tag)
			}
		}
		if q.Required && len(q.Tags) == 0 {
			t.Fatalf("ParseTags(%q) requires an empty list", s)
		}
		// Formatting and parsing again is stable.
		again := scheduler.ParseTags(q.String())
		if !slices.Equal(again.Tags, q.Tags) || again.Required != q.Required {
			t.Fatalf("ParseTags(%q) = %+v, but its String %q parses to %+v", s, q, q.String(), again)
		}
		p, fb := q.Groups()
		if len(p) == 0 || (q.Required && fb != nil) {
			t.Fatalf("Groups of %+v = %q, %q", q, p, fb)
		}
	})
}
