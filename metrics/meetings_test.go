package metrics

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
)

func TestSummarize(t *testing.T) {
	t.Parallel()
	att := func(types ...string) []bbb.Attendee {
		out := make([]bbb.Attendee, len(types))
		for i, typ := range types {
			out[i].ClientType = typ
		}
		return out
	}
	tests := []struct {
		name        string
		meetings    []bbb.Meeting
		maxLabels   int
		clients     map[string]int
		origins     map[originKey]int
		participant []uint64 // non-cumulative counts of bbb_room_participants
		max         int
	}{
		{
			name:        "no meetings",
			clients:     map[string]int{"html5": 0, "dial-in": 0, "flash": 0},
			origins:     map[originKey]int{},
			participant: make([]uint64, 15),
		},
		{
			name: "bucket bounds are inclusive",
			meetings: []bbb.Meeting{
				{ParticipantCount: 0}, {ParticipantCount: 1}, {ParticipantCount: 5, Attendees: att("HTML5", "html5", "", "Dial-In", "FLASH")},
				{ParticipantCount: 6}, {ParticipantCount: 500}, {ParticipantCount: 501},
			},
			clients: map[string]int{"html5": 2, "dial-in": 1, "flash": 1, "unknown": 1},
			origins: map[originKey]int{{"", ""}: 1013},
			participant: func() []uint64 {
				c := make([]uint64, 15)
				c[0], c[1], c[2], c[3], c[13], c[14] = 1, 1, 1, 1, 1, 1
				return c
			}(),
			max: 501,
		},
		{
			name: "origins lower-cased, empty meetings skipped, capped",
			meetings: []bbb.Meeting{
				{ParticipantCount: 2, Metadata: map[string]string{"bbb-origin": "Greenlight", "bbb-origin-server-name": "A.example"}},
				{ParticipantCount: 3, Metadata: map[string]string{"bbb-origin": "greenlight", "bbb-origin-server-name": "a.example"}},
				{ParticipantCount: 0, Metadata: map[string]string{"bbb-origin": "Moodle"}},
				{ParticipantCount: 4, Metadata: map[string]string{"bbb-origin": "Moodle"}},
				{ParticipantCount: 1, Metadata: map[string]string{"bbb-origin": "Third"}},
			},
			maxLabels: 2,
			clients:   map[string]int{"html5": 0, "dial-in": 0, "flash": 0},
			origins:   map[originKey]int{{"a.example", "greenlight"}: 5, {"", "moodle"}: 4, {"other", "other"}: 1},
			participant: func() []uint64 {
				c := make([]uint64, 15)
				c[0], c[1], c[2] = 1, 1, 3
				return c
			}(),
			max: 4,
		},
		{
			name: "label values made valid and short",
			meetings: []bbb.Meeting{{ParticipantCount: 1, Attendees: att("X\xff"),
				Metadata: map[string]string{"bbb-origin": strings.Repeat("a", 300)}}},
			clients: map[string]int{"html5": 0, "dial-in": 0, "flash": 0, "x\uFFFD": 1},
			origins: map[originKey]int{{"", strings.Repeat("a", 128)}: 1},
			participant: func() []uint64 {
				c := make([]uint64, 15)
				c[1] = 1
				return c
			}(),
			max: 1,
		},
		{
			name:      "client types capped",
			meetings:  []bbb.Meeting{{ParticipantCount: 4, Attendees: att("A", "B", "C", "HTML5")}},
			maxLabels: 1,
			clients:   map[string]int{"html5": 1, "dial-in": 0, "flash": 0, "a": 1, "other": 2},
			origins:   map[originKey]int{{"", ""}: 4},
			participant: func() []uint64 {
				c := make([]uint64, 15)
				c[2] = 1
				return c
			}(),
			max: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := defaultConfig()
			if tt.maxLabels > 0 {
				cfg.maxLabelValues = tt.maxLabels
			}
			s := summarize(tt.meetings, cfg)
			if !maps.Equal(s.clients, tt.clients) {
				t.Errorf("clients = %v, want %v", s.clients, tt.clients)
			}
			if !maps.Equal(s.origins, tt.origins) {
				t.Errorf("origins = %v, want %v", s.origins, tt.origins)
			}
			if got := s.rooms[RoomParticipants].counts; !slices.Equal(got, tt.participant) {
				t.Errorf("participant buckets = %v, want %v", got, tt.participant)
			}
			if s.participantsMax != tt.max {
				t.Errorf("max = %d, want %d", s.participantsMax, tt.max)
			}
			_, n := s.rooms[RoomParticipants].cumulative(cfg.roomBuckets[RoomParticipants])
			if n != uint64(len(tt.meetings)) {
				t.Errorf("gcount = %d, want %d", n, len(tt.meetings))
			}
		})
	}
}
