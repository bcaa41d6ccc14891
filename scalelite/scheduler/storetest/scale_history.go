package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// testScaleHistory checks a ScaleHistoryStore through two handles: a record
// made by one is read by the other, sites are apart, and a record never
// moves a time back.
func testScaleHistory(t *testing.T, _ Harness, shared func(*testing.T) (scheduler.Store, scheduler.Store)) {
	sa, sb := shared(t)
	ha, oka := sa.(scheduler.ScaleHistoryStore)
	hb, okb := sb.(scheduler.ScaleHistoryStore)
	if !oka || !okb {
		t.Skip("the store does not implement scheduler.ScaleHistoryStore")
	}
	ctx := context.Background()
	t0 := Epoch()
	want := func(h scheduler.ScaleHistoryStore, site string, out, in int) {
		t.Helper()
		got, err := h.ScaleHistory(ctx, site)
		if err != nil {
			t.Fatalf("ScaleHistory(%q): %v", site, err)
		}
		at := func(mins int) string {
			if mins < 0 {
				return "never"
			}
			return t0.Add(minutes(mins)).String()
		}
		if !sameTime(got.Out, t0, out) || !sameTime(got.In, t0, in) {
			t.Fatalf("ScaleHistory(%q) = out %v, in %v; want out %s, in %s", site, got.Out, got.In, at(out), at(in))
		}
	}
	want(hb, "a", -1, -1)
	if err := ha.RecordScale(ctx, "a", scheduler.ScaleHistory{Out: t0.Add(minutes(10))}); err != nil {
		t.Fatalf("RecordScale: %v", err)
	}
	want(hb, "a", 10, -1)
	want(hb, "", -1, -1)
	if err := hb.RecordScale(ctx, "a", scheduler.ScaleHistory{In: t0.Add(minutes(20))}); err != nil {
		t.Fatalf("RecordScale: %v", err)
	}
	want(ha, "a", 10, 20)
	// An older record (a paused replica catching up) changes nothing.
	if err := ha.RecordScale(ctx, "a", scheduler.ScaleHistory{Out: t0.Add(minutes(5)), In: t0.Add(minutes(15))}); err != nil {
		t.Fatalf("RecordScale: %v", err)
	}
	want(hb, "a", 10, 20)
	if err := ha.RecordScale(ctx, "", scheduler.ScaleHistory{Out: t0.Add(minutes(30)), In: t0.Add(minutes(31))}); err != nil {
		t.Fatalf("RecordScale: %v", err)
	}
	want(hb, "", 30, 31)
	want(hb, "a", 10, 20)
}

func minutes(n int) time.Duration { return time.Duration(n) * time.Minute }

// sameTime reports whether got is t0 plus mins minutes, or zero for mins < 0,
// to the millisecond (what a store may keep).
func sameTime(got, t0 time.Time, mins int) bool {
	if mins < 0 {
		return got.IsZero()
	}
	return got.Sub(t0.Add(minutes(mins))).Abs() < time.Millisecond
}
