// Package pool keeps a bbb-webhooks hook registered on every server of a
// BigBlueButton pool, such as the servers behind a Scalelite balancer.
//
// A Reconciler takes the pool from a Lister (FromScheduler, FromScalelite,
// Static, or any ListerFunc) and, at every Sync, runs
// webhooks.Client.EnsureOnce on each server: a server new to the pool gets
// the hook at the next Sync (Run syncs every interval, one minute by
// default), a hook the server dropped — bbb-webhooks removes a
// non-permanent hook after about five minutes of failed deliveries — is
// created again, and a server that left the pool is forgotten. Status
// reports per server the hook, the last check and its error; WithObserver
// sees every check, for logs and metrics.
//
// Servers of a pool usually have secrets of their own, and bbb-webhooks
// signs each callback with its own server's secret. WithCallbackURL with
// CallbackURLPath registers base/<server ID> on each server, and Receiver
// verifies each callback with the secret of the server its path names.
package pool
