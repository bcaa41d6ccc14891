// Package cli is the one command-line convention of bbbkit's example
// programs: a command table that drives both dispatch and usage text (in
// the shape of the Go tool's cmd/go/internal/base), one run signature,
// shared exit codes, environment fallbacks for secrets, and one HTTP
// serve-and-shutdown helper with timeouts and a cap on requests still
// sending their body.
//
// Every program's main is one line and its run has the same parameters in
// the same order, so tests drive any program the same way:
//
//	func main() { os.Exit(cli.Main(run)) }
//
//	func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
//		var o options
//		return cli.Run(ctx, &cli.Command{
//			Name:      "balancer",
//			UsageLine: "balancer [flags]",
//			Short:     "a Scalelite-compatible load balancer",
//			Flags:     o.register,
//			Run:       func(ctx context.Context, env *cli.Env, _ []string) error { return o.serve(ctx, env) },
//		}, args, stdin, stdout, stderr)
//	}
//
// Tests inject the environment with [WithGetenv] and learn a server's
// address with [WithReady], both through the context, so that run keeps
// its one shape.
//
// # Exit codes
//
//	code  constant         meaning
//	0     ExitOK           everything done
//	1     ExitFailure      failed (an error was printed)
//	2     ExitUsage        bad flags, arguments or configuration; nothing done
//	3     ExitAuth         a secret or credential was refused
//	4     ExitUnavailable  a server, source or destination cannot be used
//	5     ExitRefused      input refused as unsafe or invalid
//	6     ExitPartial      partly applied: some items done, others not (each reported)
//	130   ExitInterrupted  stopped by a signal before finishing
//
// Servers stopped by a signal exit 0: that is how a server ends normally.
//
// # Server limits
//
// [Serve] runs an [http.Server] with the limits of a [ServerConfig]:
// read-header, read, write and idle timeouts, a header size limit, and a
// cap on concurrent requests that are still sending their body (more get
// 503 at once, so slow senders cannot hold every connection). On context
// cancellation it shuts down gracefully within a grace period.
// [ServerConfig.Register] gives every server program the same flags to
// lengthen them for big uploads. A handler that streams long answers wraps
// itself in [Streaming] so that its write deadline follows progress instead
// of the server-wide write timeout.
package cli
