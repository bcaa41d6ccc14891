package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
)

// Plan a small CSV against the embedded fake Greenlight with -dry-run: the
// program prints what it would change and changes nothing. The new user's
// password comes from the environment (env:ANA_PW), never from the file.
func Example() {
	dir, err := os.MkdirTemp("", "provision-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	csvPath := filepath.Join(dir, "rooms.csv")
	csv := `kind,email,name,password,role,room,settings,shared_with
user,ana@example.com,Ana Lima,env:ANA_PW,User,,,
room,ana@example.com,,,,Maths 101,record=true;guestPolicy=ASK_MODERATOR,
`
	if err := os.WriteFile(csvPath, []byte(csv), 0o600); err != nil {
		fmt.Println(err)
		return
	}
	getenv := func(k string) string {
		if k == "ANA_PW" {
			return "Ana-Passw0rd!"
		}
		return ""
	}

	var out bytes.Buffer
	ctx := cli.WithGetenv(context.Background(), getenv)
	code := run(ctx, []string{"-csv", csvPath, "-dry-run", "-rate", "1000"}, nil, &out, io.Discard)
	// The first line names the CSV file; show it without the temporary directory.
	fmt.Print(strings.ReplaceAll(out.String(), csvPath, "rooms.csv"))
	fmt.Println("exit code:", code)
	// Output:
	// rooms.csv: 1 users, 1 rooms
	// + create user ana@example.com (Ana Lima, role User)
	// + create room "Maths 101" (ana@example.com)
	// + set record=true on "Maths 101" (ana@example.com)
	// + set guestPolicy=ASK_MODERATOR on "Maths 101" (ana@example.com)
	// plan: 4 changes, 0 differences left alone, 0 conflicts
	// exit code: 0
}
