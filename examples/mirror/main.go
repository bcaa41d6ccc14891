package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/bbbkit/bbbkit/scalelite/mirror"
)

// Exit codes.
const (
	exitOK          = 0
	exitPartial     = 1
	exitUsage       = 2
	exitAuth        = 3
	exitUnavailable = 4
	exitRefused     = 5
	exitInterrupted = 130
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env is what a command needs from the outside world.
type env struct {
	stdout, stderr io.Writer
	log            *slog.Logger
	getenv         func(string) string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, log: slog.New(slog.NewTextHandler(stderr, nil)), getenv: os.Getenv}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	cmds := map[string]func(context.Context, *env, []string) int{
		"serve":  cmdServe,
		"sync":   cmdSync,
		"pack":   cmdPack,
		"import": cmdImport,
		"prune":  cmdPrune,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		if args[0] == "-h" || args[0] == "-help" || args[0] == "help" {
			usage(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "mirror: unknown command %q\n", args[0])
		usage(stderr)
		return exitUsage
	}
	return cmd(ctx, e, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: mirror <command> [flags]

commands:
  serve   serve a published tree as an export endpoint
  sync    mirror recordings from a tree or an endpoint into a tree
  pack    write the Scalelite spool .tar of a recording
  import  import spool .tar files into published/unpublished trees
  prune   remove old recordings from a tree

Run "mirror <command> -h" for the flags of a command.
exit codes: 0 ok, 1 not every recording synced or pruned, 2 usage, 3 secret refused,
4 source/destination unusable, 5 input refused, 130 interrupted
`)
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("mirror "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parseFlags parses and maps -h and errors to exit codes; ok is false when
// the command must stop with code.
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	return 0, true
}

func usageErr(e *env, format string, a ...any) int {
	fmt.Fprintf(e.stderr, "mirror: "+format+"\n", a...)
	return exitUsage
}

// secretFrom picks the secret from the flag, the file or MIRROR_SECRET.
func secretFrom(e *env, flagVal, file string) (string, error) {
	if flagVal != "" {
		return flagVal, nil
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("read secret file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return e.getenv("MIRROR_SECRET"), nil
}

// exitFor maps an error to an exit code.
func exitFor(ctx context.Context, err error) int {
	switch {
	case err == nil:
		return exitOK
	case ctx.Err() != nil:
		return exitInterrupted
	case errors.Is(err, mirror.ErrUnauthorized):
		return exitAuth
	case errors.Is(err, mirror.ErrIncomplete):
		return exitPartial
	case errors.Is(err, mirror.ErrUnsafe), errors.Is(err, mirror.ErrMetadata):
		return exitRefused
	}
	return exitUnavailable
}
