package cli_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
)

// run is a whole program in the one shape: main would be
// os.Exit(cli.Main(run)).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var name, secret string
	return cli.Run(ctx, &cli.Command{
		Name:      "greeter",
		UsageLine: "greeter [flags]",
		Short:     "greet somebody with a secret handshake",
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&name, "name", "world", "who to greet")
			fs.StringVar(&secret, "secret", "", "handshake secret (default $GREETER_SECRET)")
		},
		Run: func(_ context.Context, env *cli.Env, _ []string) error {
			if env.Secret(secret, "GREETER_SECRET") == "" {
				return cli.Usagef("a secret is required: -secret or $GREETER_SECRET")
			}
			fmt.Fprintf(env.Stdout, "hello, %s\n", name)
			return nil
		},
	}, args, stdin, stdout, stderr)
}

func Example() {
	ctx := cli.WithGetenv(context.Background(), func(k string) string {
		return map[string]string{"GREETER_SECRET": "s3cret"}[k]
	})
	code := run(ctx, []string{"-name", "Ada"}, nil, os.Stdout, os.Stdout)
	fmt.Println("exit code:", code)

	code = run(ctx, []string{"-h"}, nil, os.Stdout, os.Stdout)
	fmt.Println("exit code:", code)

	code = run(context.Background(), []string{"-name"}, nil, os.Stdout, os.Stdout)
	fmt.Println("exit code:", code)
	// Output:
	// hello, Ada
	// exit code: 0
	// usage: greeter [flags]
	//
	// Greet somebody with a secret handshake.
	//
	// flags:
	//   -name string
	//     	who to greet (default "world")
	//   -secret string
	//     	handshake secret (default $GREETER_SECRET)
	// exit code: 0
	// flag needs an argument: -name
	// usage: greeter [flags]
	// Run 'greeter -h' for help.
	// exit code: 2
}
