package metrics

import (
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"
)

// Default buckets of bigbluebutton-exporter, so dashboards keep their
// bucket boundaries. The +Inf bucket is always added.
var (
	// DefaultRoomParticipantsBuckets are the buckets of
	// bbb_room_participants and bbb_room_listeners.
	DefaultRoomParticipantsBuckets = []float64{0, 1, 5, 15, 30, 60, 90, 120, 150, 200, 250, 300, 400, 500}
	// DefaultRoomVoiceBuckets are the buckets of bbb_room_voice_participants
	// and bbb_room_video_participants.
	DefaultRoomVoiceBuckets = []float64{0, 1, 5, 15, 30, 60, 90, 120}
	// DefaultAPILatencyBuckets are the buckets of bbb_api_latency, in
	// seconds.
	DefaultAPILatencyBuckets = []float64{.01, .025, .05, .075, .1, .25, .5, .75, 1, 1.25, 1.5, 1.75, 2, 2.5, 5, 7.5, 10}
)

// Room identifies one of the four per-room gauge histograms, for
// WithRoomBuckets.
type Room int

// The per-room gauge histograms.
const (
	RoomParticipants      Room = iota // bbb_room_participants
	RoomListeners                     // bbb_room_listeners
	RoomVoiceParticipants             // bbb_room_voice_participants
	RoomVideoParticipants             // bbb_room_video_participants
	numRooms
)

// String returns the metric name of the histogram.
func (r Room) String() string {
	switch r {
	case RoomParticipants:
		return "bbb_room_participants"
	case RoomListeners:
		return "bbb_room_listeners"
	case RoomVoiceParticipants:
		return "bbb_room_voice_participants"
	case RoomVideoParticipants:
		return "bbb_room_video_participants"
	}
	return "unknown room histogram"
}

// Option configures a Collector.
type Option func(*config) error

type config struct {
	scrapeTimeout      time.Duration
	maxConcurrency     int
	recordings         bool
	recordingsInterval time.Duration
	recordingsRetry    time.Duration
	recordingsTimeout  time.Duration
	roomBuckets        [numRooms][]float64
	latencyBuckets     []float64
	serverLabel        string
	forceServerLabel   bool
	maxLabelValues     int
	version            string
	now                func() time.Time
	log                *slog.Logger
}

func defaultConfig() *config {
	return &config{
		scrapeTimeout:      10 * time.Second,
		maxConcurrency:     16,
		recordings:         true,
		recordingsInterval: 5 * time.Minute,
		recordingsRetry:    30 * time.Second,
		recordingsTimeout:  2 * time.Minute,
		roomBuckets: [numRooms][]float64{
			DefaultRoomParticipantsBuckets, DefaultRoomParticipantsBuckets,
			DefaultRoomVoiceBuckets, DefaultRoomVoiceBuckets,
		},
		latencyBuckets: DefaultAPILatencyBuckets,
		serverLabel:    "server",
		maxLabelValues: 64,
		version:        moduleVersion(),
		now:            time.Now,
		log:            slog.New(slog.DiscardHandler),
	}
}

// WithScrapeTimeout bounds one scrape of all servers (default 10s). A
// server that has not answered getMeetings by then is reported with
// bbb_api_up 0; the others are reported normally.
func WithScrapeTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return &ConfigError{Option: "WithScrapeTimeout", Msg: "must be positive"}
		}
		c.scrapeTimeout = d
		return nil
	}
}

// WithMaxConcurrency bounds how many servers are asked at the same time
// during a scrape (default 16).
func WithMaxConcurrency(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return &ConfigError{Option: "WithMaxConcurrency", Msg: "must be at least 1"}
		}
		c.maxConcurrency = n
		return nil
	}
}

// WithRecordingsInterval sets how long recording counts are reused before
// a scrape starts refreshing them in the background (default 5m). A failed
// refresh is retried after the shorter of 30s and the interval.
func WithRecordingsInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return &ConfigError{Option: "WithRecordingsInterval", Msg: "must be positive"}
		}
		c.recordingsInterval = d
		c.recordingsRetry = min(c.recordingsRetry, d)
		return nil
	}
}

// WithRecordingsTimeout bounds one background refresh of the recording
// counts of one server (default 2m).
func WithRecordingsTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return &ConfigError{Option: "WithRecordingsTimeout", Msg: "must be positive"}
		}
		c.recordingsTimeout = d
		return nil
	}
}

// WithoutRecordings turns the bbb_recordings_* metrics off, like
// bigbluebutton-exporter's RECORDINGS_METRICS=false. The API root (for
// bbb_version) is then not asked either.
func WithoutRecordings() Option {
	return func(c *config) error {
		c.recordings = false
		return nil
	}
}

// WithRoomBuckets sets the upper bounds of one per-room gauge histogram,
// like bigbluebutton-exporter's ROOM_*_CUSTOM_BUCKETS. Bounds must be
// finite, non-negative and strictly increasing; +Inf is added.
func WithRoomBuckets(r Room, bounds ...float64) Option {
	return func(c *config) error {
		if r < 0 || r >= numRooms {
			return &ConfigError{Option: "WithRoomBuckets", Msg: "unknown room histogram"}
		}
		b, err := checkBuckets("WithRoomBuckets", bounds)
		if err != nil {
			return err
		}
		c.roomBuckets[r] = b
		return nil
	}
}

// WithAPILatencyBuckets sets the buckets of bbb_api_latency in seconds
// (default DefaultAPILatencyBuckets).
func WithAPILatencyBuckets(bounds ...float64) Option {
	return func(c *config) error {
		b, err := checkBuckets("WithAPILatencyBuckets", bounds)
		if err != nil {
			return err
		}
		c.latencyBuckets = b
		return nil
	}
}

func checkBuckets(opt string, bounds []float64) ([]float64, error) {
	b := slices.Clone(bounds)
	if n := len(b); n > 0 && math.IsInf(b[n-1], +1) {
		b = b[:n-1]
	}
	if len(b) == 0 {
		return nil, &ConfigError{Option: opt, Msg: "need at least one finite bound"}
	}
	for i, v := range b {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return nil, &ConfigError{Option: opt, Msg: "bounds must be finite and not negative"}
		}
		if i > 0 && v <= b[i-1] {
			return nil, &ConfigError{Option: opt, Msg: "bounds must be strictly increasing"}
		}
	}
	return b, nil
}

// reservedLabels are label names the collector's metrics already use.
var reservedLabels = []string{"le", "type", "name", "endpoint", "parameters", "version", "bbb_server"}

// WithServerLabel names the label that tells servers apart (default
// "server") and adds it even when the collector watches a single server.
// Without this option the label is added only when there are several
// servers, so a single-server collector exposes exactly the labels of
// bigbluebutton-exporter.
func WithServerLabel(name string) Option {
	return func(c *config) error {
		if !validLabelName(name) || slices.Contains(reservedLabels, name) {
			return &ConfigError{Option: "WithServerLabel", Msg: "invalid or reserved label name " + name}
		}
		c.serverLabel = name
		c.forceServerLabel = true
		return nil
	}
}

// WithMaxLabelValues bounds the distinct values of the data-driven labels
// (client type of bbb_meetings_participant_clients, origin of
// bbb_meetings_participants_origin) per server and scrape (default 64).
// Values beyond the bound are counted under "other".
func WithMaxLabelValues(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return &ConfigError{Option: "WithMaxLabelValues", Msg: "must be at least 1"}
		}
		c.maxLabelValues = n
		return nil
	}
}

// WithVersion sets the version label of bbb_exporter (default: the
// bbbkit module version from the build information).
func WithVersion(v string) Option {
	return func(c *config) error {
		if v == "" {
			return &ConfigError{Option: "WithVersion", Msg: "empty version"}
		}
		c.version = v
		return nil
	}
}

// WithClock replaces time.Now for API latencies and the age of recording
// counts, so tests can be deterministic.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return &ConfigError{Option: "WithClock", Msg: "nil clock"}
		}
		c.now = now
		return nil
	}
}

// WithLogger sends debug records of scrapes and warnings about failing
// servers to l (default: discarded). Records name servers, never secrets.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return &ConfigError{Option: "WithLogger", Msg: "nil logger"}
		}
		c.log = l
		return nil
	}
}

// validLabelName reports whether name matches [a-zA-Z_][a-zA-Z0-9_]* and
// does not start with the reserved "__".
func validLabelName(name string) bool {
	if name == "" || strings.HasPrefix(name, "__") {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
