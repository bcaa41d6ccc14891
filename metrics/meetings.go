package metrics

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/bbbkit/bbbkit/bbb"
)

// otherLabel replaces label values beyond WithMaxLabelValues.
const otherLabel = "other"

// preseededClients are the client types bigbluebutton-exporter always
// reports, with 0 when nobody uses them.
var preseededClients = []string{"html5", "dial-in", "flash"}

// originKey is the (bbb-origin-server-name, bbb-origin) pair of a meeting,
// lower-cased as bigbluebutton-exporter does.
type originKey struct{ server, name string }

// roomHist is a gauge histogram of one per-meeting count: counts[i] is the
// number of meetings whose value is at most bounds[i] and above
// bounds[i-1]; the last element counts values above every bound.
type roomHist struct {
	counts []uint64
	sum    float64
}

// meetingStats is what one getMeetings answer says about a server.
type meetingStats struct {
	meetings, participants, participantsMax int
	listeners, voice, video                 int
	clients                                 map[string]int
	origins                                 map[originKey]int
	rooms                                   [numRooms]roomHist
	// meetingIDs and breakoutIDs are the internal IDs, for the unique
	// counters.
	meetingIDs, breakoutIDs []string
}

// summarize derives every per-server meeting metric from one getMeetings
// answer in a single pass.
func summarize(ms []bbb.Meeting, cfg *config) *meetingStats {
	s := &meetingStats{
		meetings: len(ms),
		clients:  make(map[string]int, 4),
		origins:  make(map[originKey]int),
	}
	for _, name := range preseededClients {
		s.clients[name] = 0
	}
	for r := range s.rooms {
		s.rooms[r].counts = make([]uint64, len(cfg.roomBuckets[r])+1)
	}
	for i := range ms {
		m := &ms[i]
		s.participants += m.ParticipantCount
		s.participantsMax = max(s.participantsMax, m.ParticipantCount)
		s.listeners += m.ListenerCount
		s.voice += m.VoiceParticipantCount
		s.video += m.VideoCount
		s.rooms[RoomParticipants].add(cfg.roomBuckets[RoomParticipants], m.ParticipantCount)
		s.rooms[RoomListeners].add(cfg.roomBuckets[RoomListeners], m.ListenerCount)
		s.rooms[RoomVoiceParticipants].add(cfg.roomBuckets[RoomVoiceParticipants], m.VoiceParticipantCount)
		s.rooms[RoomVideoParticipants].add(cfg.roomBuckets[RoomVideoParticipants], m.VideoCount)
		for j := range m.Attendees {
			s.addClient(clientLabel(m.Attendees[j].ClientType), cfg.maxLabelValues)
		}
		if m.ParticipantCount > 0 {
			k := originKey{
				server: labelValue(strings.ToLower(m.Metadata["bbb-origin-server-name"])),
				name:   labelValue(strings.ToLower(m.Metadata["bbb-origin"])),
			}
			if _, ok := s.origins[k]; !ok && len(s.origins) >= cfg.maxLabelValues {
				k = originKey{otherLabel, otherLabel}
			}
			s.origins[k] += m.ParticipantCount
		}
		if m.IsBreakout {
			s.breakoutIDs = append(s.breakoutIDs, m.InternalMeetingID)
		} else {
			s.meetingIDs = append(s.meetingIDs, m.InternalMeetingID)
		}
	}
	return s
}

// clientLabel is the type label of an attendee's client: lower-cased like
// bigbluebutton-exporter, "unknown" when the server sent none. The common
// values are returned without allocating.
func clientLabel(t string) string {
	switch t {
	case "HTML5", "html5":
		return "html5"
	case "DIAL-IN", "dial-in":
		return "dial-in"
	case "FLASH", "flash":
		return "flash"
	case "":
		return "unknown"
	}
	return labelValue(strings.ToLower(t))
}

func (s *meetingStats) addClient(label string, limit int) {
	if _, ok := s.clients[label]; !ok && len(s.clients) >= limit+len(preseededClients) {
		label = otherLabel
	}
	s.clients[label]++
}

func (h *roomHist) add(bounds []float64, v int) {
	f := float64(v)
	h.counts[sort.SearchFloat64s(bounds, f)]++
	h.sum += f
}

// cumulative returns the buckets in the form prometheus.NewConstHistogram
// takes, and the number of observations.
func (h *roomHist) cumulative(bounds []float64) (map[float64]uint64, uint64) {
	out := make(map[float64]uint64, len(bounds))
	var acc uint64
	for i, b := range bounds {
		acc += h.counts[i]
		out[b] = acc
	}
	return out, acc + h.counts[len(bounds)]
}

// labelValue makes a server-provided string safe as a label value: valid
// UTF-8 (Prometheus refuses anything else) and at most 128 bytes.
func labelValue(s string) string {
	if len(s) > 128 {
		s = s[:128]
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}
