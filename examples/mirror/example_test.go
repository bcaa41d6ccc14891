package main

import (
	"context"
	"os"
)

// The help text lists the commands and the exit codes scripts can rely on.
func Example() {
	run(context.Background(), []string{"help"}, nil, os.Stdout, os.Stderr)
	// Output:
	// usage: mirror <command> [flags]
	//
	// Move BigBlueButton recordings to a Scalelite balancer without NFS or rsync.
	//
	// exit codes: 0 ok, 2 usage, 3 secret refused, 4 source/destination unusable,
	// 5 input refused, 6 partly applied (some recordings failed or were not
	// removed; each is logged with the reason), 130 interrupted
	//
	// commands:
	//   serve   serve a published tree as an export endpoint
	//   sync    mirror recordings from a tree or an endpoint into a tree
	//   pack    write the Scalelite spool .tar of a recording
	//   import  import spool .tar files into published/unpublished trees
	//   prune   remove old recordings from a tree
	//
	// Run 'mirror <command> -h' for the flags of a command.
}
