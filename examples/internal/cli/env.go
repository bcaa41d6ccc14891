package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Env is what a command gets from the outside world.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment: os.Getenv unless the context carried
	// another one ([WithGetenv]).
	Getenv func(string) string
	// Name is the command's full name, such as "mirror sync", for messages.
	Name string
}

// Secret is a secret from its flag or, when the flag is empty, from the
// environment variable envVar, so that a secret never needs to be on a
// command line (where ps shows it). Empty means neither is set.
func (e *Env) Secret(flagValue, envVar string) string {
	if flagValue != "" {
		return flagValue
	}
	return strings.TrimSpace(e.Getenv(envVar))
}

// SecretFrom is a secret from its flag or, when the flag is empty, from
// file ([ReadSecretFile]) or, when there is no file either, from the
// environment variable envVar ([Env.Secret]). Empty without an error means
// none is set; an unreadable or empty file is an error.
func (e *Env) SecretFrom(flagValue, file, envVar string) (string, error) {
	if flagValue == "" && file != "" {
		return ReadSecretFile(file)
	}
	return e.Secret(flagValue, envVar), nil
}

// ReadSecretFile reads a secret from the file at path ("~/" is the home
// directory), without surrounding white space. An empty file is an error:
// an empty secret never reaches a client.
func ReadSecretFile(path string) (string, error) {
	if strings.HasPrefix(path, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, path[2:])
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("secret file: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("secret file %s is empty", path)
	}
	return s, nil
}

type getenvKey struct{}

type readyKey struct{}

// WithGetenv returns a context under which [Run] gives commands getenv
// instead of os.Getenv: tests set secrets without touching the process.
func WithGetenv(ctx context.Context, getenv func(string) string) context.Context {
	return context.WithValue(ctx, getenvKey{}, getenv)
}

// WithReady returns a context under which [Serve] calls ready with the
// address it listens on ("127.0.0.1:41234") once it accepts connections:
// tests start a program on port 0 and learn where it is.
func WithReady(ctx context.Context, ready func(addr string)) context.Context {
	return context.WithValue(ctx, readyKey{}, ready)
}

func getenvFrom(ctx context.Context) func(string) string {
	if f, ok := ctx.Value(getenvKey{}).(func(string) string); ok && f != nil {
		return f
	}
	return os.Getenv
}

func readyFrom(ctx context.Context) func(string) {
	if f, ok := ctx.Value(readyKey{}).(func(string)); ok {
		return f
	}
	return nil
}
