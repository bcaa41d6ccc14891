package scheduler_test

import (
	"errors"
	"testing"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

func TestParseState(t *testing.T) {
	t.Parallel()
	cases := map[string]scheduler.State{
		"enable": scheduler.StateEnabled, "enabled": scheduler.StateEnabled, " Enable ": scheduler.StateEnabled,
		"cordon": scheduler.StateCordoned, "CORDONED": scheduler.StateCordoned,
		"disable": scheduler.StateDisabled, "disabled": scheduler.StateDisabled,
		"": "", "on": "", "enabledx": "", "panic": "",
	}
	for in, want := range cases {
		got, err := scheduler.ParseState(in)
		if want == "" {
			if !errors.Is(err, scheduler.ErrInvalid) {
				t.Errorf("ParseState(%q) = %q, %v; want ErrInvalid", in, got, err)
			}
			continue
		}
		if err != nil || got != want || !got.Valid() || got.String() != string(want) {
			t.Errorf("ParseState(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if scheduler.State("paused").Valid() {
		t.Error("unknown state is valid")
	}
}

func FuzzParseState(f *testing.F) {
	for _, s := range []string{"enable", "cordoned", "Disable", "", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		st, err := scheduler.ParseState(s)
		if err != nil {
			var ve *scheduler.ValidationError
			if !errors.As(err, &ve) || st != "" {
				t.Fatalf("ParseState(%q) = %q, %v", s, st, err)
			}
			return
		}
		if !st.Valid() {
			t.Fatalf("ParseState(%q) = invalid %q", s, st)
		}
		if again, err := scheduler.ParseState(st.String()); err != nil || again != st {
			t.Fatalf("round trip of %q: %q, %v", st, again, err)
		}
	})
}
