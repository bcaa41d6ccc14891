package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// tool is a two-command program: "tool greet -name x" and "tool fail".
func tool(got *[]string) *Command {
	var name string
	return &Command{
		Name:  "tool",
		Short: "a test tool",
		Long:  "Tool greets and fails.",
		Commands: []*Command{
			{
				Name:      "greet",
				UsageLine: "tool greet [flags] [word...]",
				Short:     "greet somebody",
				Flags:     func(fs *flag.FlagSet) { fs.StringVar(&name, "name", "world", "who to greet") },
				Args:      true,
				Run: func(_ context.Context, env *Env, args []string) error {
					*got = append(*got, "greet "+name)
					*got = append(*got, args...)
					fmt.Fprintf(env.Stdout, "hello %s\n", name)
					return nil
				},
			},
			{
				Name:  "fail", // default usage line
				Short: "fail in a chosen way",
				Flags: func(fs *flag.FlagSet) { fs.StringVar(&name, "how", "error", "error, usage, partial or quiet") },
				Run: func(_ context.Context, env *Env, _ []string) error {
					switch name {
					case "usage":
						return Usagef("-how %s given", name)
					case "partial":
						return Exit(ExitPartial, errors.New("2 of 3 done"))
					case "quiet":
						return Exit(ExitAuth, nil)
					}
					return errors.New("it broke")
				},
			},
		},
	}
}

func TestDispatchAndExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string
		stderr     string
		noStderr   bool
		wantCalled []string
	}{
		{"dispatch with flags and args", []string{"greet", "-name", "bob", "a", "b"}, ExitOK, "hello bob\n", "", true, []string{"greet bob", "a", "b"}},
		{"no command", nil, ExitUsage, "", "usage: tool <command> [flags]\nRun 'tool -h' for help.\n", false, nil},
		{"unknown command", []string{"grete"}, ExitUsage, "", "tool: unknown command \"grete\"", false, nil},
		{"unknown flag", []string{"greet", "-bogus"}, ExitUsage, "", "flag provided but not defined: -bogus\nusage: tool greet [flags] [word...]\nRun 'tool greet -h' for help.\n", false, nil},
		{"unexpected args", []string{"fail", "extra"}, ExitUsage, "", "tool fail: unexpected arguments: extra\nusage: tool fail [flags]\n", false, nil},
		{"error", []string{"fail"}, ExitFailure, "", "tool fail: it broke\n", false, nil},
		{"usage error", []string{"fail", "-how", "usage"}, ExitUsage, "", "tool fail: -how usage given\nusage: tool fail [flags]", false, nil},
		{"partial", []string{"fail", "-how", "partial"}, ExitPartial, "", "tool fail: 2 of 3 done\n", false, nil},
		{"quiet exit", []string{"fail", "-how", "quiet"}, ExitAuth, "", "", true, nil},
		{"help", []string{"help"}, ExitOK, "commands:\n  greet  greet somebody\n  fail   fail in a chosen way\n", "", true, nil},
		{"help command", []string{"help", "greet"}, ExitOK, "usage: tool greet [flags] [word...]\n\nGreet somebody.\n\nflags:\n  -name string\n", "", true, nil},
		{"-h of command", []string{"greet", "-h"}, ExitOK, "  -name string\n    \twho to greet (default \"world\")\n", "", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var called []string
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), tool(&called), tt.args, nil, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("code = %v; want %v (stderr: %s)", code, tt.code, stderr.String())
			}
			if got := stdout.String(); !strings.Contains(got, tt.stdout) {
				t.Errorf("stdout.String() = %q; want it to contain %q", got, tt.stdout)
			}
			if got := stderr.String(); !strings.Contains(got, tt.stderr) {
				t.Errorf("stderr.String() = %q; want it to contain %q", got, tt.stderr)
			}
			if tt.noStderr {
				if got := stderr.String(); len(got) != 0 {
					t.Errorf("stderr.String() = %v; want empty", got)
				}
			}
			if diff := cmp.Diff(tt.wantCalled, called); diff != "" {
				t.Errorf("called mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// A subcommand with subcommands of its own dispatches like the root, its
// help and messages named by its full path.
func TestNestedDispatch(t *testing.T) {
	t.Parallel()
	nested := func(got *[]string) *Command {
		inner := tool(got)
		inner.Name, inner.Long = "box", ""
		inner.Short = "greet and fail, one level down"
		return &Command{Name: "outer", Short: "a tool with groups", Commands: []*Command{inner}}
	}
	type testCase struct {
		name       string
		args       []string
		code       int
		stdout     string
		stderr     string
		wantCalled []string
	}
	tests := []testCase{
		{"dispatch", []string{"box", "greet", "-name", "ann", "x"}, ExitOK, "hello ann\n", "", []string{"greet ann", "x"}},
		{"no command", []string{"box"}, ExitUsage, "", "usage: outer box <command> [flags]\nRun 'outer box -h' for help.\n", nil},
		{"unknown command", []string{"box", "grete"}, ExitUsage, "", "outer box: unknown command \"grete\"\nusage: outer box <command> [flags]\n", nil},
		{"error", []string{"box", "fail"}, ExitFailure, "", "outer box fail: it broke\n", nil},
		{"unknown flag", []string{"box", "greet", "-bogus"}, ExitUsage, "", "usage: tool greet [flags] [word...]\nRun 'outer box greet -h' for help.\n", nil},
		{"help of command", []string{"box", "greet", "-h"}, ExitOK, "  -name string\n", "", nil},
		{"help command", []string{"box", "help", "greet"}, ExitOK, "usage: tool greet [flags] [word...]\n\nGreet somebody.\n", "", nil},
	}
	const groupHelp = `usage: outer box <command> [flags]

Greet and fail, one level down.

commands:
  greet  greet somebody
  fail   fail in a chosen way

Run 'outer box <command> -h' for the flags of a command.
`
	for _, args := range [][]string{{"box", "-h"}, {"box", "help"}, {"help", "box"}} {
		tests = append(tests, testCase{strings.Join(args, " "), args, ExitOK, groupHelp, "", nil})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var called []string
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), nested(&called), tt.args, nil, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("code = %v; want %v (stderr: %s)", code, tt.code, stderr.String())
			}
			if got := stdout.String(); !strings.Contains(got, tt.stdout) {
				t.Errorf("stdout.String() = %q; want it to contain %q", got, tt.stdout)
			}
			if tt.stdout == groupHelp && stdout.String() != groupHelp {
				t.Errorf("stdout.String() = %q; want %q", stdout.String(), groupHelp)
			}
			if got := stderr.String(); !strings.Contains(got, tt.stderr) {
				t.Errorf("stderr.String() = %q; want it to contain %q", got, tt.stderr)
			}
			if diff := cmp.Diff(tt.wantCalled, called); diff != "" {
				t.Errorf("called mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUsageText(t *testing.T) {
	t.Parallel()
	var stdout bytes.Buffer
	if got := Run(context.Background(), tool(new([]string)), []string{"-h"}, nil, &stdout, &bytes.Buffer{}); got != ExitOK {
		t.Errorf("Run(...) = %v; want %v", got, ExitOK)
	}
	if stdout.String() != `usage: tool <command> [flags]

Tool greets and fails.

commands:
  greet  greet somebody
  fail   fail in a chosen way

Run 'tool <command> -h' for the flags of a command.
` {
		t.Errorf("stdout.String() = %q; want %q", stdout.String(), `usage: tool <command> [flags]

Tool greets and fails.

commands:
  greet  greet somebody
  fail   fail in a chosen way

Run 'tool <command> -h' for the flags of a command.
`)
	}

	// A single-command program: the command is the table's root.
	var port int
	single := &Command{
		Name:  "server",
		Short: "serve things",
		Flags: func(fs *flag.FlagSet) { fs.IntVar(&port, "port", 80, "`port` to serve on") },
		Run:   func(context.Context, *Env, []string) error { return nil },
	}
	stdout.Reset()
	if got := Run(context.Background(), single, []string{"-help"}, nil, &stdout, &bytes.Buffer{}); got != ExitOK {
		t.Errorf("Run(...) = %v; want %v", got, ExitOK)
	}
	if got := stdout.String(); got != "usage: server [flags]\n\nServe things.\n\nflags:\n  -port port\n    \tport to serve on (default 80)\n" {
		t.Errorf("stdout.String() = %q; want %q", got, "usage: server [flags]\n\nServe things.\n\nflags:\n  -port port\n    \tport to serve on (default 80)\n")
	}
}

func TestSecretFromEnvironment(t *testing.T) {
	t.Parallel()
	var secret, got string
	cmd := &Command{
		Name:      "s",
		UsageLine: "s [flags]",
		Flags:     func(fs *flag.FlagSet) { fs.StringVar(&secret, "secret", "", "the secret (default $S_SECRET)") },
		Run: func(_ context.Context, env *Env, _ []string) error {
			got = env.Secret(secret, "S_SECRET")
			if got == "" {
				return Usagef("a secret is required")
			}
			return nil
		},
	}
	ctx := WithGetenv(context.Background(), func(k string) string {
		if k == "S_SECRET" {
			return " from-env\n"
		}
		return ""
	})
	if got := Run(ctx, cmd, nil, nil, &bytes.Buffer{}, &bytes.Buffer{}); got != ExitOK {
		t.Errorf("Run(ctx, cmd, nil, nil, &bytes.Buffer{}, &bytes.Buffer{}) = %v; want %v", got, ExitOK)
	}
	if got != "from-env" {
		t.Errorf("got = %q; want %q", got, "from-env")
	}
	if got := Run(ctx, cmd, []string{"-secret", "from-flag"}, nil, &bytes.Buffer{}, &bytes.Buffer{}); got != ExitOK {
		t.Errorf("Run(...) = %v; want %v", got, ExitOK)
	}
	if got != "from-flag" {
		t.Errorf("got = %q; want %q", got, "from-flag")
	}
	var stderr bytes.Buffer
	empty := WithGetenv(context.Background(), func(string) string { return "" })
	if got := Run(empty, cmd, nil, nil, &bytes.Buffer{}, &stderr); got != ExitUsage {
		t.Errorf("Run(empty, cmd, nil, nil, &bytes.Buffer{}, &stderr) = %v; want %v", got, ExitUsage)
	}
	if got := stderr.String(); !strings.Contains(got, "s: a secret is required") {
		t.Errorf("stderr.String() = %q; want it to contain %q", got, "s: a secret is required")
	}
}

func TestSecretFromFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "secret")
	if err := os.WriteFile(file, []byte(" from-file\n"), 0o600); err != nil {
		t.Fatalf("os.WriteFile(file, ...): %v", err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatalf("os.WriteFile(empty, ...): %v", err)
	}
	env := &Env{Getenv: func(k string) string {
		if k == "S_SECRET" {
			return " from-env\n"
		}
		return ""
	}}
	tests := []struct {
		flag, file, envVar string
		want               string
		wantErr            string
	}{
		{"from-flag", file, "S_SECRET", "from-flag", ""},
		{"", file, "S_SECRET", "from-file", ""},
		{"", "", "S_SECRET", "from-env", ""},
		{"", "", "UNSET", "", ""},
		{"", empty, "S_SECRET", "", "secret file " + empty + " is empty"},
		{"", filepath.Join(dir, "missing"), "S_SECRET", "", "secret file: open "},
	}
	for _, tt := range tests {
		got, err := env.SecretFrom(tt.flag, tt.file, tt.envVar)
		if got != tt.want {
			t.Errorf("SecretFrom(%q, %q, %q) = %q; want %q", tt.flag, tt.file, tt.envVar, got, tt.want)
		}
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("SecretFrom(%q, %q, %q): %v; want no error", tt.flag, tt.file, tt.envVar, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("SecretFrom(%q, %q, %q) error = %v; want it to contain %q", tt.flag, tt.file, tt.envVar, err, tt.wantErr)
		}
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	if got := ExitCode(nil); got != ExitOK {
		t.Errorf("ExitCode(nil) = %v; want %v", got, ExitOK)
	}
	if got := ExitCode(errors.New("x")); got != ExitFailure {
		t.Errorf("ExitCode(errors.New(\"x\")) = %v; want %v", got, ExitFailure)
	}
	if got := ExitCode(fmt.Errorf("wrapped: %w", Usagef("bad"))); got != ExitUsage {
		t.Errorf("ExitCode(fmt.Errorf(\"wrapped: %%w\", Usagef(\"bad\"))) = %v; want %v", got, ExitUsage)
	}
	if got := ExitCode(fmt.Errorf("wrapped: %w", Exit(ExitPartial, errors.New("some")))); got != ExitPartial {
		t.Errorf("ExitCode(...) = %v; want %v", got, ExitPartial)
	}
	if got := ExitCode(Exit(ExitUnavailable, Usagef("inner usage loses to the outer code"))); got != ExitUnavailable {
		t.Errorf("ExitCode(...) = %v; want %v", got, ExitUnavailable)
	}
}
