package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
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
			assert.Equal(t, tt.code, code, "stderr: %s", stderr.String())
			assert.Contains(t, stdout.String(), tt.stdout)
			assert.Contains(t, stderr.String(), tt.stderr)
			if tt.noStderr {
				assert.Empty(t, stderr.String())
			}
			assert.Equal(t, tt.wantCalled, called)
		})
	}
}

func TestUsageText(t *testing.T) {
	t.Parallel()
	var stdout bytes.Buffer
	assert.Equal(t, ExitOK, Run(context.Background(), tool(new([]string)), []string{"-h"}, nil, &stdout, &bytes.Buffer{}))
	assert.Equal(t, `usage: tool <command> [flags]

Tool greets and fails.

commands:
  greet  greet somebody
  fail   fail in a chosen way

Run 'tool <command> -h' for the flags of a command.
`, stdout.String())

	// A single-command program: the command is the table's root.
	var port int
	single := &Command{
		Name:  "server",
		Short: "serve things",
		Flags: func(fs *flag.FlagSet) { fs.IntVar(&port, "port", 80, "`port` to serve on") },
		Run:   func(context.Context, *Env, []string) error { return nil },
	}
	stdout.Reset()
	assert.Equal(t, ExitOK, Run(context.Background(), single, []string{"-help"}, nil, &stdout, &bytes.Buffer{}))
	assert.Equal(t, "usage: server [flags]\n\nServe things.\n\nflags:\n  -port port\n    \tport to serve on (default 80)\n", stdout.String())
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
	assert.Equal(t, ExitOK, Run(ctx, cmd, nil, nil, &bytes.Buffer{}, &bytes.Buffer{}))
	assert.Equal(t, "from-env", got)
	assert.Equal(t, ExitOK, Run(ctx, cmd, []string{"-secret", "from-flag"}, nil, &bytes.Buffer{}, &bytes.Buffer{}))
	assert.Equal(t, "from-flag", got)
	var stderr bytes.Buffer
	empty := WithGetenv(context.Background(), func(string) string { return "" })
	assert.Equal(t, ExitUsage, Run(empty, cmd, nil, nil, &bytes.Buffer{}, &stderr))
	assert.Contains(t, stderr.String(), "s: a secret is required")
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	assert.Equal(t, ExitOK, ExitCode(nil))
	assert.Equal(t, ExitFailure, ExitCode(errors.New("x")))
	assert.Equal(t, ExitUsage, ExitCode(fmt.Errorf("wrapped: %w", Usagef("bad"))))
	assert.Equal(t, ExitPartial, ExitCode(fmt.Errorf("wrapped: %w", Exit(ExitPartial, errors.New("some")))))
	assert.Equal(t, ExitUnavailable, ExitCode(Exit(ExitUnavailable, Usagef("inner usage loses to the outer code"))))
}
