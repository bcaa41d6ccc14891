// Package bbbtest is a fake BigBlueButton server for tests, in the spirit of
// net/http/httptest: real state, real checksums, the XML and JSON answers
// and error keys of bbb-web 3.0, the hooks API of bbb-webhooks 3.x and its
// signed callbacks.
//
//	srv := bbbtest.NewServer()
//	defer srv.Close()
//	client := srv.BBBClient()
//
// The contract is the one of scalelitetest and greenlighttest: NewServer
// starts a server on a loopback port and panics on a bad option (for
// tests); New returns an error instead and does not listen (for programs,
// which serve it as an http.Handler or call Start); URL is the server's
// root without a trailing slash, as in httptest; Client returns an
// *http.Client for it; Close stops it. APIURL is the BigBlueButton API
// ("…/bigbluebutton/api/") and BBBClient a bbb.Client signed with Secret.
//
// What the fake does like bbb-web 3.0:
//   - checksums over the raw query, algorithm chosen by length among the
//     allowed set (WithAcceptedChecksums); a missing or wrong one is
//     checksumError;
//     POST bodies are unsigned and need a supported Content-Type
//     (unsupportedContentType); join is GET only;
//   - create validates name and meetingID, a repeat with both passwords
//     equal or none answers duplicateWarning, any other idNotUnique, voice
//     bridges are unique,
//     internalMeetingID is sha1(meetingID)-createTime, meta_* keys are
//     lower-cased and filtered like bbb-web does, breakout rooms link to
//     their parent, <modules> presentations are accepted;
//   - join checks role or password, createTime and maxParticipants,
//     redirects (302) to the client or answers XML with redirect=false, and
//     redirects validation failures to the logout URL with errors=[...];
//   - end, isMeetingRunning, getMeetings (noMeetings), getMeetingInfo,
//     getSessions, insertDocument, sendChatMessage, getJoinUrl, signOut,
//     learningDashboard (join and leave times, roles, chat counts), stuns
//     (WithSTUNServers, WithTURNServers with coturn REST credentials) and
//     the API root;
//   - a join that fails its checksum is redirected to its errorRedirectUrl
//     only when WithErrorRedirectAllowList allows it (bbb-web 3.0 follows
//     any such URL, an open redirect); hooks/* accept SHA-1 only with
//     WithHooksSHA1Only, as bbb-webhooks before BBB 3.0;
//   - a meeting created with record=true that somebody joined becomes a
//     recording when it ends: processing, then published after
//     WithPublishDelay, with a presentation format and preview images;
//     getRecordings filters and pages; publish, delete, update and text
//     tracks work on it; with WithRecordingsDir the published recordings
//     are also written to disk in a BBB server's published tree layout;
//   - the callbacks bbb-web sends itself: meta_endCallbackUrl and
//     meetingEndedURL get a GET with meetingID and recordingmarks when the
//     meeting ends, meta_bbb-recording-ready-url a POST with an HS256 JWT
//     (signed_parameters) when the recording is published.
//
// Webhooks: hooks/create, hooks/destroy, hooks/list and hooks/ping answer as
// bbb-webhooks 3.x does, and meeting, user, chat and rap-* events are
// POSTed to the registered callbacks like bbb-webhooks 3.4+: form body
// domain=…&event=[…]&timestamp=…, checksum=hex(H(callbackURL + body +
// secret)) appended to the callback URL, retries on the schedule of
// WithWebhookRetry, 401 counted as delivered, and a non-permanent hook
// removed when its retries run out. Event order is not guaranteed, as in
// bbb-webhooks 3.x; order by the event's ts.
//
// Simplifications: the API join counts as the client connecting (the user
// is an attendee at once); an ended meeting disappears at once; recordings
// need somebody to have joined (as if autoStartRecording were on) and have
// one playback format, presentation; guestPolicy ASK_MODERATOR puts guests
// in a waiting room that tests empty with AdmitGuest, ALWAYS_DENY refuses
// them, and the guestWait polling call is not served; meta and userdata
// keys that cannot be XML element names are dropped instead of producing
// broken XML; new meetings get no generated passwords (join with a role),
// as the 3.0 templates that omit empty passwords imply.
//
// Test controls: Join, Leave, AdmitGuest, EndMeeting, ProcessRecordings,
// AddRecording, a FakeClock (WithClock(clock.Now)) to move time, faults (InjectFault,
// FailNext, DropNext, SetLatency, SetDown) and snapshots (Meetings,
// Recordings, Hooks, Deliveries, Calls). The same controls are served over
// HTTP under /bbbtest/ for tests in other languages, guarded by the shared
// secret as a bearer token (see examples/fakebbb).
package bbbtest
