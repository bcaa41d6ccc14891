package metrics

import "github.com/prometheus/client_golang/prometheus"

// descs are the descriptors of the collector's metrics. Names, types, help
// texts and labels follow bigbluebutton-exporter; srv is the server label
// (empty when the collector does not add one).
type descs struct {
	meetings, participants, participantsMax         *prometheus.Desc
	listeners, voice, video                         *prometheus.Desc
	clients, origins                                *prometheus.Desc
	recordings                                      [len(recordingStates)]*prometheus.Desc
	apiUp                                           *prometheus.Desc
	rooms, roomGCount, roomGSum                     [numRooms]*prometheus.Desc
	uniqueMeetings, uniqueBreakouts                 *prometheus.Desc
	exporter, version                               *prometheus.Desc
	recordingsRefreshed, scrapeDuration             *prometheus.Desc
	recordingsHelp                                  [len(recordingStates)]string
	roomsHelp                                       [numRooms]string
	originServerLabel                               string
	withServer                                      bool
	latencyLabels                                   []string
	perServer, perServerType, perServerOrig, perVer []string
}

// originServerLabelMulti is the label of the watched server on
// bbb_meetings_participants_origin, whose own "server" label already holds
// the origin server name.
const originServerLabelMulti = "bbb_server"

func newDescs(srv string) *descs {
	d := &descs{withServer: srv != ""}
	lbl := func(names ...string) []string {
		if srv == "" {
			return names
		}
		return append([]string{srv}, names...)
	}
	d.perServer = lbl()
	d.perServerType = lbl("type")
	d.perVer = lbl("version")
	d.latencyLabels = lbl("endpoint", "parameters")
	if srv == "" {
		d.perServerOrig = []string{"server", "name"}
	} else {
		d.originServerLabel = srv
		if srv == "server" {
			d.originServerLabel = originServerLabelMulti
		}
		d.perServerOrig = []string{d.originServerLabel, "server", "name"}
	}
	g := func(name, help string, labels []string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	d.meetings = g("bbb_meetings", "Number of BigBlueButton meetings", d.perServer)
	d.participants = g("bbb_meetings_participants", "Total number of participants in all BigBlueButton meetings", d.perServer)
	d.participantsMax = g("bbb_meetings_participants_max", "Maximum number of participants in a single BigBlueButton meeting", d.perServer)
	d.listeners = g("bbb_meetings_listeners", "Total number of listeners in all BigBlueButton meetings", d.perServer)
	d.voice = g("bbb_meetings_voice_participants", "Total number of voice participants in all BigBlueButton meetings", d.perServer)
	d.video = g("bbb_meetings_video_participants", "Total number of video participants in all BigBlueButton meetings", d.perServer)
	d.clients = g("bbb_meetings_participant_clients", "Total number of participants in all BigBlueButton meetings by client", d.perServerType)
	d.origins = g("bbb_meetings_participants_origin", "Total number of participants in all BigBlueButton meetings by origin servername", d.perServerOrig)
	for i, st := range recordingStates {
		d.recordingsHelp[i] = "Total number of BigBlueButton recordings " + st
		d.recordings[i] = g("bbb_recordings_"+st, d.recordingsHelp[i], d.perServer)
	}
	d.apiUp = g("bbb_api_up", "1 if BigBlueButton API is responding 0 otherwise", d.perServer)
	for r := Room(0); r < numRooms; r++ {
		name := r.String()
		d.roomsHelp[r] = "BigBlueButton " + roomNoun[r] + " histogram gauge"
		d.rooms[r] = g(name, d.roomsHelp[r], d.perServer)
		d.roomGCount[r] = g(name+"_gcount", d.roomsHelp[r], d.perServer)
		d.roomGSum[r] = g(name+"_gsum", d.roomsHelp[r], d.perServer)
	}
	d.uniqueMeetings = g("bbb_unique_meetings_total", "Unique non-breakout meetings counter", d.perServer)
	d.uniqueBreakouts = g("bbb_unique_breakout_rooms_total", "Unique breakout rooms counter", d.perServer)
	d.exporter = g("bbb_exporter", "BigBlueButton Exporter version", []string{"version"})
	d.version = g("bbb_version", "BigBlueButton version, as the API root reports it", d.perVer)
	d.recordingsRefreshed = g("bbbkit_recordings_refresh_timestamp_seconds", "Unix time of the last successful refresh of the bbb_recordings_* counts", d.perServer)
	d.scrapeDuration = g("bbbkit_scrape_duration_seconds", "Duration of the last getMeetings scrape of the server, failed or not", d.perServer)
	return d
}

var roomNoun = [numRooms]string{"room participants", "room listeners", "room voice participants", "room video participants"}

func (d *descs) describe(ch chan<- *prometheus.Desc) {
	for _, x := range []*prometheus.Desc{
		d.meetings, d.participants, d.participantsMax, d.listeners, d.voice, d.video,
		d.clients, d.origins, d.apiUp, d.uniqueMeetings, d.uniqueBreakouts,
		d.exporter, d.version, d.recordingsRefreshed, d.scrapeDuration,
	} {
		ch <- x
	}
	for _, x := range d.recordings {
		ch <- x
	}
	for r := range d.rooms {
		ch <- d.rooms[r]
		ch <- d.roomGCount[r]
		ch <- d.roomGSum[r]
	}
}
