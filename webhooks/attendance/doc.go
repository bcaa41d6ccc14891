// Package attendance turns webhook events into attendance reports: who was
// in a meeting, when, for how long, and how they took part.
//
// A Tracker's Deliver is a webhooks.DeliveryFunc (put it behind a
// webhooks.Handler, a durable.Queue consumer or a gapfill.Filler). It keeps
// each meeting's user events, and when meeting-ended arrives it replays
// them in timestamp order into a Report: per user the sessions from each
// user-joined to its user-left (a user still present is counted to the
// meeting's end), the role, the total time present, and the counts of
// audio joins, unmutes, camera shares, public chat messages, raised hands,
// poll responses and presenter turns that the events carry. The Report is
// handed to a ReportFunc and written with WriteJSON or WriteCSV.
//
// Reports carry names and user IDs as the server sent them. WithPseudonyms
// removes names and replaces user IDs by keyed hashes (HMAC-SHA256), stable
// for one key so that reports can still be joined across meetings.
//
// Events of a meeting that arrive after its report was made are ignored.
package attendance
