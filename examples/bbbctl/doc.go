// Command bbbctl is an operator's tool for a BigBlueButton cluster, run from
// a laptop or a CI job, never needing a shell on the servers.
//
// It drives a balancer (Scalelite, or bbbkit's examples/balancer) through
// its admin API, or a list of BigBlueButton servers through their API:
//
//	export BBBCTL_URL=https://scalelite.example.com BBBCTL_SECRET=...
//	bbbctl status                    # one row per server, with totals
//	bbbctl servers drain -wait bbb3  # cordon, wait until empty, remove
//	bbbctl doctor                    # API, checksums, clock, TLS, STUN, TURN
//
// With only BBBCTL_URL and BBBCTL_SECRET set, bbbctl asks the URL's admin
// API: when it answers, the URL is a balancer and commands work on each of
// its servers (with the secrets getServers gives); otherwise it is one
// BigBlueButton server. A config file (-config, $BBBCTL_CONFIG or
// ~/.config/bbbctl/config.yaml) names contexts, selected with -context:
//
//	current-context: site-a
//	contexts:
//	  - name: site-a
//	    url: https://scalelite-a.example.com
//	    secret-env: SITE_A_SECRET      # or secret-file: ~/.site-a, or secret: ...
//	  - name: lab
//	    servers:
//	      - url: https://bbb1.lab.example.com/bigbluebutton/
//	        secret-file: ~/.bbb1-secret
//
// Secrets never need the command line (-secret exists but shows in ps) and
// never appear in any output.
//
// servers drain cordons a server; with -wait it watches the server until
// its last meeting ended and removes it, from outside (Scalelite too). With
// -deadline the balancer drains it itself (bbbkit's drainServer, which goes
// on after bbbctl exits): at the deadline it stops, or with -end-meetings
// ends the meetings left after posting -message to their chat.
//
// capacity shows a bbbkit balancer's free capacity per site and in total
// (getCapacity) and, when the balancer runs with an autoscaling policy, the
// plan it would make now (getScalePlan): servers to add or drain per site,
// and actions a cooldown holds back.
//
// doctor gets the STUN and TURN servers exactly as a browser does: it
// creates a short probe meeting, joins it server-side for a session token,
// calls stuns, then sends a STUN binding request over UDP and asks each TURN
// server for an allocation over UDP, TCP and TLS with the time-limited
// credentials bbb-web handed out. No TURN over TCP or TLS fails and names
// the consequence, ICE errors 1007 and 1020 for users behind firewalls that
// drop UDP; refused credentials fail and name coturn's static-auth-secret.
//
// doctor -mirror URL also checks a `mirror serve` endpoint (secret in
// $MIRROR_SECRET or -mirror-secret-file): it fails when the endpoint does
// not answer or refuses the secret, and shows its latency and recording
// count. With -mirror-dest DIR it compares the destination tree `mirror
// sync` fills: recordings the endpoint has that DIR lacks or holds older
// are counted, with the age of the oldest, and warn unless the oldest is
// younger than -mirror-max-lag (the time between two syncs).
//
// Exit codes: 0 done (doctor: no check failed), 1 failed, 2 usage, 3 secret
// refused, 4 target unreachable, 6 partly done (some servers did not answer).
package main
