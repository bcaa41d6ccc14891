// Package metrics exposes BigBlueButton servers and bbbkit's own pieces to
// Prometheus.
//
// # Server metrics, compatible with bigbluebutton-exporter
//
// A Collector scrapes one or many BigBlueButton servers through bbb.Client
// (any checksum algorithm) and exposes the metric names, types and labels
// of greenstatic/bigbluebutton-exporter, so existing Grafana dashboards
// keep working:
//
//	bbb_meetings, bbb_meetings_participants, bbb_meetings_participants_max,
//	bbb_meetings_listeners, bbb_meetings_voice_participants,
//	bbb_meetings_video_participants                      gauge
//	bbb_meetings_participant_clients{type}               gauge (html5, dial-in, flash always present)
//	bbb_meetings_participants_origin{server,name}        gauge (metadata bbb-origin-server-name, bbb-origin)
//	bbb_recordings_processing|published|unpublished|deleted  gauge
//	bbb_api_up                                           gauge
//	bbb_api_latency{endpoint,parameters}                 histogram
//	bbb_room_participants|listeners|voice_participants|video_participants
//	                                                     gauge histogram: _bucket{le}, _gcount, _gsum
//	bbb_unique_meetings_total, bbb_unique_breakout_rooms_total  counter
//	bbb_exporter{version}, bbb_version{version}          gauge
//
// Each scrape calls getMeetings on every server concurrently, bounded by
// WithScrapeTimeout: a server that fails or is too slow shows bbb_api_up 0
// and the others are reported normally. Recording counts are not fetched
// during the scrape: they are cached and refreshed in the background every
// WithRecordingsInterval (a scrape that finds them stale starts a refresh
// and returns at once with the cached values). On BigBlueButton 2.6+ a
// count costs one getRecordings call with limit=1.
//
// # How labels differ from bigbluebutton-exporter
//
// With a single target and no WithServerLabel, every metric above has
// exactly bigbluebutton-exporter's labels. The differences are:
//
//   - Several targets (or WithServerLabel): every per-server metric gains a
//     "server" label (or the name given to WithServerLabel) holding
//     Target.Name; bbb_exporter does not. On
//     bbb_meetings_participants_origin the "server" label already means
//     the origin's server name, so there the watched server goes into
//     "bbb_server" (when the server label is called "server").
//   - The room gauge histograms are a histogram family (series _bucket,
//     _sum, _count) plus the gauges _gcount and _gsum, which is what
//     bigbluebutton-exporter's text exposition contains; _sum and _count
//     are extra and equal _gsum and _gcount.
//   - le values are written by Go ("1", "10"), where the Python exporter
//     writes "1.0" and "10.0" for bbb_api_latency; Prometheus 3 normalizes
//     both on ingestion.
//   - A server whose getMeetings failed exposes only bbb_api_up (0),
//     bbbkit_scrape_duration_seconds, its counters and bbb_api_latency;
//     bigbluebutton-exporter reports zeros instead. Its unique-meeting
//     memory is kept, so a failed scrape does not count every meeting again.
//   - bbb_api_up is 1 when this scrape's getMeetings succeeded (the Python
//     exporter reflects whatever call came last).
//   - bbb_api_latency for getRecordings keeps the parameters label
//     "state=<state>" although the call also sends limit=1; calls cut short
//     by the scrape deadline are not observed.
//   - bbb_recordings_unprocessed (disk mode only) is not exposed;
//     bbb_version comes from the API root's bbbVersion (3.0+) instead of a
//     file, and is absent when the server does not say.
//   - Extra: bbbkit_scrape_duration_seconds and
//     bbbkit_recordings_refresh_timestamp_seconds per server.
//
// # Metrics of bbbkit's own pieces
//
// Each is a prometheus.Collector that the caller registers; nothing in this
// package registers globally or starts goroutines, except the Collector's
// background refresh of recording counts (stopped by Close).
//
//   - ClientMetrics: bbb.Client requests per server, call and outcome, and
//     their latency; install Observer(name) with bbb.WithObserver.
//   - SchedulerMetrics: scalelite/scheduler placements, polls and poll
//     failures from its events (scheduler.WithObserver), and each server's
//     state, online flag, load, meetings and users read from the
//     scheduler at scrape time (Watch).
//   - CapacityMetrics: free capacity per site and in total (servers,
//     online, load, capacity, free, meetings, users) of a scheduler, read
//     at scrape time, for autoscaling rules and dashboards.
//   - ScalePlanMetrics: what an autoscale.Autoscaler's policy wants done
//     per site (servers to add, to drain, held by a cooldown), previewed at
//     scrape time without starting a cooldown.
//   - WebhookMetrics: webhooks.Handler deliveries accepted and rejected by
//     reason (webhooks.WithObserver), and webhooks.Client.Ensure checks
//     (webhooks.WithEnsureObserver).
//   - WebhookPoolMetrics: webhooks/pool checks per server and result, and
//     whether each server has the hook (pool.WithObserver).
//   - MirrorMetrics: scalelite/mirror bytes, recordings by result and the
//     progress of the current sync (mirror.WithProgress).
//
// Metrics of these pieces are named bbbkit_*, apart from the
// bigbluebutton-exporter names above.
package metrics
