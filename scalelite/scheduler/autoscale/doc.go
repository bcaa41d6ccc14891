// Package autoscale turns a cluster's capacity into a scaling plan: for each
// site, how many servers to add, or which servers to drain, so that the site
// keeps a target headroom of free capacity within a minimum and maximum
// number of servers.
//
// An [Autoscaler] is pure: it reads servers (from scheduler.Scheduler's
// Servers) and returns a [Plan]; it neither starts machines nor drains
// servers. Running the plan is the caller's job, e.g. a hook that calls a
// cloud's CLI for ScaleOut and scheduler.Scheduler's Drain for Drain. The
// plan is JSON-ready.
//
// The rules, per site of the [Policy]:
//
//   - Below MinServers enabled servers: scale out to the minimum.
//   - Free capacity below the target (the larger of Headroom.Percent of the
//     site's capacity and Headroom.Absolute): scale out by the fewest
//     servers of ServerCapacity that bring it back to the target, never past
//     MaxServers.
//   - Otherwise, drain the emptiest servers (fewest meetings, then lowest
//     load) as long as what remains keeps the target plus the ScaleInMargin
//     (the hysteresis band that keeps a plan from undoing the previous
//     one) and at least MinServers.
//   - Cooldowns: no scale-out within ScaleOutCooldown of the last scale-out
//     at the site (new servers need time to come online); no drain within
//     ScaleInCooldown of the last scale-out or drain. A wanted action held
//     by a cooldown is listed in Plan.Held.
//
// Sites with an available server without a capacity have unlimited free
// capacity: only MinServers applies to them. Loads and capacities are in
// the unit of scheduler.Server.Load.
//
// [Autoscaler.Plan] records the actions it returns, for the cooldowns;
// [Autoscaler.Preview] shows the same plan and records nothing. With
// [WithHistory] the record lives in the scheduler's store (redisstore's in
// Redis), so that balancer replicas share the cooldowns: a replica taking
// over the poller lease does not repeat a scale-out its predecessor made.
package autoscale
