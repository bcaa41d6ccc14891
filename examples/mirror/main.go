package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/scalelite/mirror"
)

func main() { os.Exit(cli.Main(run)) }

// run is main with its environment injected; it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return cli.Run(ctx, commands(), args, stdin, stdout, stderr)
}

// exitCodes is the help's table of exit codes (see doc.go).
const exitCodes = `Move BigBlueButton recordings to a Scalelite balancer without NFS or rsync.

exit codes: 0 ok, 2 usage, 3 secret refused, 4 source/destination unusable,
5 input refused, 6 partly applied (some recordings failed or were not
removed; each is logged with the reason), 130 interrupted`

// commands is the command table: dispatch and usage text come from it.
func commands() *cli.Command {
	var (
		serve  serveCmd
		sync   syncCmd
		pack   packCmd
		imp    importCmd
		pruneC pruneCmd
	)
	return &cli.Command{
		Name:  "mirror",
		Short: "move BigBlueButton recordings to a Scalelite balancer",
		Long:  exitCodes,
		Commands: []*cli.Command{
			{Name: "serve", Short: "serve a published tree as an export endpoint", Flags: serve.register, Run: serve.run},
			{Name: "sync", Short: "mirror recordings from a tree or an endpoint into a tree", Flags: sync.register, Run: sync.run},
			{Name: "pack", Short: "write the Scalelite spool .tar of a recording", Flags: pack.register, Run: pack.run},
			{Name: "import", UsageLine: "mirror import [flags] [FILE.tar ...]", Short: "import spool .tar files into published/unpublished trees", Flags: imp.register, Run: imp.run, Args: true},
			{Name: "prune", Short: "remove old recordings from a tree", Flags: pruneC.register, Run: pruneC.run},
		},
	}
}

// logger is the commands' log: text lines on stderr.
func logger(env *cli.Env) *slog.Logger { return slog.New(slog.NewTextHandler(env.Stderr, nil)) }

// exitFor maps an error of the mirror package to an exit code.
func exitFor(ctx context.Context, err error) int {
	switch {
	case err == nil:
		return cli.ExitOK
	case ctx.Err() != nil:
		return cli.ExitInterrupted
	case errors.Is(err, mirror.ErrUnauthorized):
		return cli.ExitAuth
	case errors.Is(err, mirror.ErrIncomplete):
		return cli.ExitPartial
	case errors.Is(err, mirror.ErrUnsafe), errors.Is(err, mirror.ErrMetadata):
		return cli.ExitRefused
	}
	return cli.ExitUnavailable
}

// logged ends a command whose error (if any) was already logged.
func logged(ctx context.Context, err error) error {
	if code := exitFor(ctx, err); code != cli.ExitOK {
		return cli.Exit(code, nil)
	}
	return nil
}
