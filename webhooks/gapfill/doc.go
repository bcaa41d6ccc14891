// Package gapfill makes an application's view of meetings converge when
// webhook events were lost for good.
//
// bbb-webhooks drops an event when its retries (about five minutes) ran
// out, so a receiver that was down longer, or a server that could not reach
// it, leaves the application believing a meeting still runs. A Filler sits
// between the receiver and the application: events pass through
// Filler.Deliver (a webhooks.DeliveryFunc), and Filler.Poll (every interval
// with Run) calls getMeetings on every server of a pool.Lister and hands
// the application the events it missed:
//
//   - meeting-created for a running meeting whose meeting-created it never
//     got;
//   - user-joined for an attendee it does not know, user-left for one no
//     longer listed;
//   - user-left for the remaining attendees and meeting-ended for a meeting
//     its server no longer lists.
//
// Synthesized events have the shape of bbb-webhooks' mapped events with
// "synthesized": true in data.event (see Synthesized); their timestamp is
// when the Filler noticed the change. A real event that repeats a state
// the application already has (the late meeting-created of a meeting
// announced by a poll) is dropped, so each change reaches the application
// once. A meeting that started and ended between two polls while no event
// arrived leaves no trace in getMeetings and cannot be filled.
package gapfill
