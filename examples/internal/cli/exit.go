package cli

import (
	"errors"
	"fmt"
)

// Exit codes shared by every program. Scripts can rely on them; a program
// documents which it uses.
const (
	// ExitOK: everything was done.
	ExitOK = 0
	// ExitFailure: the program failed; the error was printed.
	ExitFailure = 1
	// ExitUsage: bad flags, arguments or configuration; nothing was done.
	ExitUsage = 2
	// ExitAuth: a secret or credential was refused.
	ExitAuth = 3
	// ExitUnavailable: a server, source or destination cannot be used.
	ExitUnavailable = 4
	// ExitRefused: input was refused as unsafe or invalid.
	ExitRefused = 5
	// ExitPartial: partly applied: some items were done and others not,
	// and each one not done was reported with its reason.
	ExitPartial = 6
	// ExitInterrupted: a signal stopped the program before it finished.
	ExitInterrupted = 130
)

// UsageError is a command-line mistake: [Run] prints it with a pointer to
// the help and exits with [ExitUsage].
type UsageError struct {
	Msg string
}

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a [*UsageError] with a formatted message. The message must
// not carry a secret.
func Usagef(format string, a ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, a...)}
}

// ExitError ends a command with a given exit code. Err, when not nil, is
// printed first.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit code %d", e.Code)
	}
	return e.Err.Error()
}

// Unwrap returns Err.
func (e *ExitError) Unwrap() error { return e.Err }

// Exit returns an [*ExitError]: the command ends with code after printing
// err (nil prints nothing, for a command that reported on its own).
func Exit(code int, err error) error {
	return &ExitError{Code: code, Err: err}
}

// ExitCode is the exit code for the error a command returned: [ExitOK] for
// nil, [ExitUsage] for a [*UsageError], the code of an [*ExitError], and
// [ExitFailure] otherwise.
func ExitCode(err error) int {
	var ue *UsageError
	var ee *ExitError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &ue):
		return ExitUsage
	}
	return ExitFailure
}
