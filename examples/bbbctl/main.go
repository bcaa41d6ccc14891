package main

import (
	"context"
	"io"
	"os"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
)

func main() { os.Exit(cli.Main(run)) }

const longHelp = `bbbctl drives a BigBlueButton cluster from outside: a balancer (Scalelite or
bbbkit's balancer) by its URL and admin secret, or BigBlueButton servers by
their URL and shared secret. With only BBBCTL_URL and BBBCTL_SECRET set it
finds out itself whether the URL is a balancer (its admin API answers) or a
server. Named contexts live in ~/.config/bbbctl/config.yaml (-context name).

The three commands an operator needs first:

  bbbctl status                      the state of every server, with totals
  bbbctl servers drain -wait bbb3    no new meetings on bbb3, wait until its
                                     last meeting ended, then remove it
  bbbctl doctor                      checks each server from outside, TURN
                                     included: can users behind a firewall
                                     that drops UDP join (errors 1007/1020)?

Exit codes: 0 done, 1 failed (doctor: a check failed), 2 usage, 3 secret
refused, 4 target unreachable, 6 partly done.`

// run is main without the process.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return cli.Run(ctx, commands(), args, stdin, stdout, stderr)
}

// commands is bbbctl's command table.
func commands() *cli.Command {
	st := &statusCmd{}
	dr := &doctorCmd{}
	cp := &capacityCmd{}
	return &cli.Command{
		Name:  "bbbctl",
		Short: "an operator's tool for a BigBlueButton cluster",
		Long:  longHelp,
		Commands: []*cli.Command{
			{Name: "status", Short: "one row per server: state, meetings, users, load, capacity", Flags: st.register, Run: st.run},
			{Name: "capacity", Short: "free capacity per site and the autoscaling plan (bbbkit's balancer)", Flags: cp.register, Run: cp.run},
			{Name: "servers", Short: "add, enable, cordon, disable, drain, panic, remove servers; sync them to a pool file", Commands: serverCommands()},
			{Name: "meetings", Short: "list, find and end meetings across the servers", Commands: meetingCommands()},
			{Name: "recordings", Short: "list, publish, unpublish, delete and prune recordings across the servers", Commands: recordingCommands()},
			{Name: "hooks", Short: "list webhooks on every server, register one where it lacks", Commands: hookCommands()},
			{Name: "doctor", Short: "check every server from outside: API, checksums, clock, TLS, STUN and TURN", Flags: dr.register, Run: dr.run},
		},
	}
}
