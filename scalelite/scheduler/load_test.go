package scheduler_test

import (
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

func TestScaleliteLoad(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	m := func(age time.Duration, users, mods int, breakout bool) scheduler.Meeting {
		return scheduler.Meeting{ID: "x", CreateTime: now.Add(-age), ParticipantCount: users, ModeratorCount: mods, IsBreakout: breakout}
	}
	cases := []struct {
		name     string
		minUsers int
		buffer   time.Duration
		meetings []scheduler.Meeting
		want     float64
	}{
		{"empty", 0, 0, nil, 0},
		{"young meeting counts the minimum", 0, 0, []scheduler.Meeting{m(time.Minute, 2, 1, false)}, 15},
		{"young big meeting counts its users", 0, 0, []scheduler.Meeting{m(time.Minute, 40, 5, false)}, 40},
		{"old meeting counts users once", 0, 0, []scheduler.Meeting{m(time.Hour, 10, 4, false)}, 10},
		{"empty old meeting counts nothing", 0, 0, []scheduler.Meeting{m(time.Hour, 0, 0, false)}, 0},
		{"breakouts are ignored", 0, 0, []scheduler.Meeting{m(time.Minute, 9, 0, true), m(time.Hour, 9, 1, true)}, 0},
		{"exactly at the buffer is old", 0, 0, []scheduler.Meeting{m(scheduler.DefaultJoinBuffer, 1, 0, false)}, 1},
		{"custom minimum and buffer", 5, time.Minute, []scheduler.Meeting{m(30*time.Second, 1, 0, false), m(2*time.Minute, 1, 0, false)}, 6},
		{"negative counts are zero", 0, 0, []scheduler.Meeting{m(time.Hour, -3, 0, false)}, 0},
		{"sum", 0, 0, []scheduler.Meeting{m(time.Minute, 2, 1, false), m(time.Hour, 20, 2, false), m(time.Hour, 7, 0, true)}, 35},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := scheduler.ScaleliteLoad(tc.minUsers, tc.buffer)(now, tc.meetings); got != tc.want {
				t.Fatalf("load = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMeetingCountLoad(t *testing.T) {
	t.Parallel()
	ms := []scheduler.Meeting{{ID: "a", ParticipantCount: 50}, {ID: "b"}, {ID: "c", IsBreakout: true}}
	if got := scheduler.MeetingCountLoad(time.Time{}, ms); got != 2 {
		t.Fatalf("MeetingCountLoad = %v, want 2", got)
	}
}
