// Package scheduler is an embeddable least-load scheduler for BigBlueButton
// servers, with the placement rules Scalelite uses and the fixes its users
// keep asking for.
//
// A [Scheduler] knows a set of servers ([Server]), each with a URL, a shared
// secret, an optional tag, an administrative [State] (enabled, cordoned or
// disabled), an online flag maintained by a poller and a load multiplier.
//
// [Scheduler.Pick] maps a meeting ID to a server. If the meeting is already
// placed, Pick returns the server that holds it. Otherwise it chooses the
// least-loaded server that is enabled and online, records the placement and
// adds a reservation to that server's load, all in one atomic step of the
// [Store], so a burst of concurrent creates spreads over the cluster instead
// of herding onto the server that looked emptiest. Tags follow Scalelite: the
// tag argument is a ";"-separated list of acceptable server tags; a trailing
// "!" makes the list mandatory; without "!" a request whose tags match no
// available server falls back to untagged servers; a request without tags
// only ever lands on untagged servers; the tag "none" names untagged servers.
//
// Servers may name a site (a data centre, a region) and a capacity (the
// Load at which they are full). A full server takes no new meetings. A site
// order ([WithSiteOrder] for the whole scheduler, [PreferSites] for one
// Pick, e.g. from a tenant or from the create parameter [SiteOrderMeta])
// sends a new meeting to the least-loaded accepting server (enabled, online,
// not full) of the first site that has one, then of the next site, then of
// any other site: when a site is down or full, meetings spill to the next one
// at once, and return when it is back. Tags filter, sites order: the tag
// groups (and the untagged fallback) are chosen first, the site order
// applies within them. Meetings already placed stay where they run.
//
// [Scheduler.Poll] (or [Scheduler.Run] in a loop) asks every server for its
// meetings through a [MeetingLister], with bounded concurrency and a timeout
// per server. The load of a server is computed by a [LoadFunc] (by default
// [ScaleliteLoad]: the users of non-breakout meetings, counting a meeting
// younger than a buffer time as at least a minimum number of users) times the
// server's load multiplier. A server goes offline after a number of failed
// polls in a row and back online after a number of good ones. Meeting
// mappings live exactly as long as the meeting does: a poll that no longer
// shows a meeting removes its mapping, and a server that goes offline, is
// disabled or is deleted loses all of its mappings at once, so the next create
// for those meeting IDs lands on a live server. A cordoned server takes no new
// meetings, keeps the ones it has and turns disabled once a poll finds it
// empty.
//
// [Scheduler.Drain] takes a server out without cutting meetings short, and
// [Scheduler.Capacity] reports free capacity per site for autoscaling
// (package autoscale turns it into a plan).
//
// Several processes may run the poller on one shared store: with
// [WithLease] only the holder of the store's poller lease polls, another
// takes over within two poll intervals when it dies or pauses, and every
// write of a leased poll carries a fencing token the store checks in the
// same atomic step (see [LeaseStore]). Stores may also keep tenants
// ([TenantStore]).
//
// State lives behind the [Store] interface: [NewMemoryStore] keeps it in
// process (the default) and package redisstore keeps it in Redis so that
// several processes can share one cluster view. The package storetest holds
// a conformance suite for Store implementations.
//
// Observers ([WithObserver]) receive an [Event] for every placement, state
// change, poll and poll failure, which is enough to build metrics without
// this package depending on a metrics library.
//
// Nothing in this package prints, and no error, event or String method ever
// contains a server secret.
package scheduler
