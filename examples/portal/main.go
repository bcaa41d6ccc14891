package main

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
)

func main() { os.Exit(cli.Main(run)) }

// run serves the portal until ctx is done and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &config{}
	cmd := &cli.Command{Name: "portal", Short: "a room portal: OpenID Connect login, then a signed BigBlueButton join", Flags: c.register, Run: c.run}
	return cli.Run(ctx, cmd, args, stdin, stdout, stderr)
}

// config is the parsed command line.
type config struct {
	addr            string
	issuer          string
	clientID        string
	clientSecret    string
	redirectURL     string
	bbbURL          string
	bbbSecret       string
	rooms           []room
	moderatorGroup  string
	groupsClaim     string
	moderatorDomain string
	cookieKey       []byte
	insecureCookies bool
	userInfo        bool
	roomList        string
	cookieKeyHex    string
	server          cli.ServerConfig
}

type room struct{ id, name string }

// exit codes
const (
	exitOK      = cli.ExitOK
	exitFailure = cli.ExitFailure
	exitUsage   = cli.ExitUsage
)

func (c *config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.addr, "addr", "localhost:8080", "listen address")
	fs.StringVar(&c.issuer, "issuer", "", "OpenID provider issuer URL (empty: embedded mock provider with demo users)")
	fs.StringVar(&c.clientID, "client-id", "", "OAuth2 client ID at the provider")
	fs.StringVar(&c.clientSecret, "client-secret", "", "OAuth2 client secret (default $OIDC_CLIENT_SECRET)")
	fs.StringVar(&c.redirectURL, "redirect-url", "", "callback URL registered at the provider (default http://<addr>/oidc/callback)")
	fs.StringVar(&c.bbbURL, "bbb-url", "", "BBB server URL, e.g. https://bbb.example/bigbluebutton/ (empty: embedded fake BBB)")
	fs.StringVar(&c.bbbSecret, "bbb-secret", "", "BBB shared secret (default $BBB_SECRET)")
	fs.StringVar(&c.roomList, "rooms", "physics-101=Physics 101,open-lab=Open lab", "rooms as id=Name pairs separated by commas")
	fs.StringVar(&c.moderatorGroup, "moderator-group", "teachers", "members of this group are moderators (empty: nobody by group)")
	fs.StringVar(&c.groupsClaim, "groups-claim", "groups", "claim holding the user's groups or roles, e.g. realm_access.roles")
	fs.StringVar(&c.moderatorDomain, "moderator-domain", "", "users with a verified email in this domain are moderators")
	fs.StringVar(&c.cookieKeyHex, "cookie-key", "", "hex key (32+ bytes) sealing the login cookie; needed when several portals share a redirect URL (default $PORTAL_COOKIE_KEY, else random)")
	fs.BoolVar(&c.insecureCookies, "insecure-cookies", false, "drop the Secure cookie attribute (plain http on a host other than localhost; development only)")
	fs.BoolVar(&c.userInfo, "userinfo", false, "also read claims from the UserInfo endpoint")
	c.server.Register(fs)
}

// check validates the flags. Secrets come from the environment unless given
// as flags; they are not flag defaults so that -h does not print them.
func (c *config) check(env *cli.Env) error {
	c.clientSecret = env.Secret(c.clientSecret, "OIDC_CLIENT_SECRET")
	c.bbbSecret = env.Secret(c.bbbSecret, "BBB_SECRET")
	cookieKey := env.Secret(c.cookieKeyHex, "PORTAL_COOKIE_KEY")
	for _, part := range strings.Split(c.roomList, ",") {
		id, name, _ := strings.Cut(strings.TrimSpace(part), "=")
		if id == "" {
			return cli.Usagef("-rooms: empty room ID in %q", part)
		}
		if name == "" {
			name = id
		}
		c.rooms = append(c.rooms, room{id: id, name: name})
	}
	if cookieKey != "" {
		k, err := hex.DecodeString(cookieKey)
		if err != nil || len(k) < 32 {
			return cli.Usagef("-cookie-key must be at least 64 hex digits")
		}
		c.cookieKey = k
	}
	if c.issuer != "" && c.clientID == "" {
		return cli.Usagef("-client-id is required with -issuer")
	}
	if c.issuer != "" && c.redirectURL == "" {
		return cli.Usagef("-redirect-url is required with -issuer")
	}
	if c.bbbURL != "" && c.bbbSecret == "" {
		return cli.Usagef("-bbb-secret (or $BBB_SECRET) is required with -bbb-url")
	}
	return c.server.Validate()
}

func (c *config) run(ctx context.Context, env *cli.Env, _ []string) error {
	if err := c.check(env); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(env.Stderr, nil))
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	if strings.HasPrefix(c.addr, "localhost:") {
		base = fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	}
	p, err := newPortal(ctx, c, base, logger)
	if err != nil {
		ln.Close()
		return fmt.Errorf("start: %w", err)
	}
	defer p.close()
	logger.Info("portal listening", "url", base+"/", "issuer", p.issuer, "bbb", p.bbbURL)
	if err := cli.Serve(ctx, ln, p.handler(), c.server, logger); err != nil {
		return err
	}
	logger.Info("portal stopped")
	return nil
}
