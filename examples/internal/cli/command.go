package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// RunFunc is the one shape of every program's run: main without the
// process. It returns the exit code.
type RunFunc func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int

// Main runs run with the process's arguments and standard streams under a
// context that SIGINT and SIGTERM cancel, and returns its exit code:
//
//	func main() { os.Exit(cli.Main(run)) }
func Main(run RunFunc) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

// Command is one entry of a command table: a program, or one subcommand
// of a program whose Commands lists them. The same table drives dispatch
// and the usage text.
type Command struct {
	// Name is the word that selects the command ("sync"), or the program's
	// name for the table's root ("mirror").
	Name string
	// UsageLine is the one-line synopsis, starting with the program's
	// name: "mirror sync [flags]". Empty means "<name> [flags]", or
	// "<name> <command> [flags]" for a command with subcommands.
	UsageLine string
	// Short is the one-line description shown in a command list.
	Short string
	// Long is the text of the command's help; Short when empty.
	Long string
	// Flags defines the command's flags on fs. Values go to variables of
	// the caller (not package globals, so that run can run concurrently).
	Flags func(fs *flag.FlagSet)
	// Run does the command's work with the positional arguments left after
	// the flags. Its error decides the exit code ([ExitCode]) and is
	// printed as "name: error".
	Run func(ctx context.Context, env *Env, args []string) error
	// Args says that Run takes positional arguments; without it any is a
	// usage error.
	Args bool
	// Commands are the subcommands; a command that has them only
	// dispatches (its Flags and Run are unused).
	Commands []*Command
}

// Run parses args for cmd (or the subcommand args[0] names, and so on down
// a command whose subcommands have subcommands), runs it and returns the
// exit code. "-h", "-help" and "help [command]" print the help to stdout
// and exit 0; usage mistakes print a short usage to stderr and exit
// [ExitUsage].
func Run(ctx context.Context, cmd *Command, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenvFrom(ctx), Name: cmd.Name}
	return dispatch(ctx, cmd, env, args)
}

// dispatch runs cmd, whose full name is env.Name, or the subcommand args[0]
// names.
func dispatch(ctx context.Context, cmd *Command, env *Env, args []string) int {
	path := env.Name
	if len(cmd.Commands) == 0 {
		return runLeaf(ctx, cmd, env, args)
	}
	if len(args) == 0 {
		writeShortUsage(env.Stderr, cmd, path)
		return ExitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if sub := cmd.lookup(args[1]); sub != nil {
				subPath := path + " " + sub.Name
				writeHelp(env.Stdout, sub, newFlagSet(subPath, sub, env.Stderr), subPath)
				return ExitOK
			}
		}
		writeHelp(env.Stdout, cmd, nil, path)
		return ExitOK
	}
	sub := cmd.lookup(args[0])
	if sub == nil {
		fmt.Fprintf(env.Stderr, "%s: unknown command %q\n", path, args[0])
		writeShortUsage(env.Stderr, cmd, path)
		return ExitUsage
	}
	env.Name = path + " " + sub.Name
	return dispatch(ctx, sub, env, args[1:])
}

// usageLine is c's UsageLine or its default; path is c's full name.
func (c *Command) usageLine(path string) string {
	switch {
	case c.UsageLine != "":
		return c.UsageLine
	case len(c.Commands) > 0:
		return path + " <command> [flags]"
	}
	return path + " [flags]"
}

func (c *Command) lookup(name string) *Command {
	for _, sub := range c.Commands {
		if sub.Name == name {
			return sub
		}
	}
	return nil
}

func newFlagSet(name string, cmd *Command, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // Run prints help or usage itself, to the right stream
	if cmd.Flags != nil {
		cmd.Flags(fs)
	}
	return fs
}

func runLeaf(ctx context.Context, cmd *Command, env *Env, args []string) int {
	fs := newFlagSet(env.Name, cmd, env.Stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeHelp(env.Stdout, cmd, fs, env.Name)
			return ExitOK
		}
		// The flag package has printed the error.
		writeShortUsage(env.Stderr, cmd, env.Name)
		return ExitUsage
	}
	if fs.NArg() > 0 && !cmd.Args {
		return report(env, cmd, Usagef("unexpected arguments: %s", strings.Join(fs.Args(), " ")))
	}
	return report(env, cmd, cmd.Run(ctx, env, fs.Args()))
}

// report prints err as the exit code it maps to asks and returns the code.
func report(env *Env, cmd *Command, err error) int {
	code := ExitCode(err)
	var ue *UsageError
	var ee *ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Err == nil:
	case errors.As(err, &ue) && code == ExitUsage:
		fmt.Fprintf(env.Stderr, "%s: %s\n", env.Name, err)
		writeShortUsage(env.Stderr, cmd, env.Name)
	default:
		fmt.Fprintf(env.Stderr, "%s: %s\n", env.Name, err)
	}
	return code
}

// writeShortUsage writes the usage line and where to find help; path is
// cmd's full name.
func writeShortUsage(w io.Writer, cmd *Command, path string) {
	fmt.Fprintf(w, "usage: %s\nRun '%s -h' for help.\n", cmd.usageLine(path), path)
}

// writeHelp writes the usage line, the long text, and the flags of fs or
// the command list; path is cmd's full name.
func writeHelp(w io.Writer, cmd *Command, fs *flag.FlagSet, path string) {
	fmt.Fprintf(w, "usage: %s\n", cmd.usageLine(path))
	if text := strings.TrimSpace(cmd.Long); text != "" {
		fmt.Fprintf(w, "\n%s\n", text)
	} else if cmd.Short != "" {
		short := strings.TrimSuffix(cmd.Short, ".")
		fmt.Fprintf(w, "\n%s%s.\n", strings.ToUpper(short[:1]), short[1:])
	}
	if len(cmd.Commands) > 0 {
		width := 0
		for _, sub := range cmd.Commands {
			width = max(width, len(sub.Name))
		}
		fmt.Fprint(w, "\ncommands:\n")
		for _, sub := range cmd.Commands {
			fmt.Fprintf(w, "  %-*s  %s\n", width, sub.Name, sub.Short)
		}
		fmt.Fprintf(w, "\nRun '%s <command> -h' for the flags of a command.\n", path)
		return
	}
	hasFlags := false
	if fs != nil {
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	}
	if hasFlags {
		fmt.Fprint(w, "\nflags:\n")
		out := fs.Output()
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(out)
	}
}
