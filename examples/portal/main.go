package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stderr, nil))
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
}

type room struct{ id, name string }

// exit codes
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("portal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	var rooms, cookieKey string
	fs.StringVar(&c.addr, "addr", "localhost:8080", "listen address")
	fs.StringVar(&c.issuer, "issuer", "", "OpenID provider issuer URL (empty: embedded mock provider with demo users)")
	fs.StringVar(&c.clientID, "client-id", "", "OAuth2 client ID at the provider")
	fs.StringVar(&c.clientSecret, "client-secret", "", "OAuth2 client secret (default $OIDC_CLIENT_SECRET)")
	fs.StringVar(&c.redirectURL, "redirect-url", "", "callback URL registered at the provider (default http://<addr>/oidc/callback)")
	fs.StringVar(&c.bbbURL, "bbb-url", "", "BBB server URL, e.g. https://bbb.example/bigbluebutton/ (empty: embedded fake BBB)")
	fs.StringVar(&c.bbbSecret, "bbb-secret", "", "BBB shared secret (default $BBB_SECRET)")
	fs.StringVar(&rooms, "rooms", "physics-101=Physics 101,open-lab=Open lab", "rooms as id=Name pairs separated by commas")
	fs.StringVar(&c.moderatorGroup, "moderator-group", "teachers", "members of this group are moderators (empty: nobody by group)")
	fs.StringVar(&c.groupsClaim, "groups-claim", "groups", "claim holding the user's groups or roles, e.g. realm_access.roles")
	fs.StringVar(&c.moderatorDomain, "moderator-domain", "", "users with a verified email in this domain are moderators")
	fs.StringVar(&cookieKey, "cookie-key", "", "hex key (32+ bytes) sealing the login cookie; needed when several portals share a redirect URL (default $PORTAL_COOKIE_KEY, else random)")
	fs.BoolVar(&c.insecureCookies, "insecure-cookies", false, "drop the Secure cookie attribute (plain http on a host other than localhost; development only)")
	fs.BoolVar(&c.userInfo, "userinfo", false, "also read claims from the UserInfo endpoint")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	// Secrets come from the environment unless given as flags; they are not
	// flag defaults so that -h does not print them.
	if c.clientSecret == "" {
		c.clientSecret = os.Getenv("OIDC_CLIENT_SECRET")
	}
	if c.bbbSecret == "" {
		c.bbbSecret = os.Getenv("BBB_SECRET")
	}
	if cookieKey == "" {
		cookieKey = os.Getenv("PORTAL_COOKIE_KEY")
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, part := range strings.Split(rooms, ",") {
		id, name, _ := strings.Cut(strings.TrimSpace(part), "=")
		if id == "" {
			return nil, fmt.Errorf("-rooms: empty room ID in %q", part)
		}
		if name == "" {
			name = id
		}
		c.rooms = append(c.rooms, room{id: id, name: name})
	}
	if cookieKey != "" {
		k, err := hex.DecodeString(cookieKey)
		if err != nil || len(k) < 32 {
			return nil, errors.New("-cookie-key must be at least 64 hex digits")
		}
		c.cookieKey = k
	}
	if c.issuer != "" && c.clientID == "" {
		return nil, errors.New("-client-id is required with -issuer")
	}
	if c.issuer != "" && c.redirectURL == "" {
		return nil, errors.New("-redirect-url is required with -issuer")
	}
	if c.bbbURL != "" && c.bbbSecret == "" {
		return nil, errors.New("-bbb-secret (or $BBB_SECRET) is required with -bbb-url")
	}
	return c, nil
}

// run serves the portal until ctx is done. ready, when not nil, receives
// the portal's base URL once it listens.
func run(ctx context.Context, args []string, stderr io.Writer, ready chan<- string) int {
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	c, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "portal:", err)
		return exitUsage
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		logger.Error("listen", "addr", c.addr, "err", err)
		return exitFailure
	}
	base := "http://" + ln.Addr().String()
	if strings.HasPrefix(c.addr, "localhost:") {
		base = fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	}
	p, err := newPortal(ctx, c, base, logger)
	if err != nil {
		ln.Close()
		logger.Error("start", "err", err)
		return exitFailure
	}
	defer p.close()
	srv := &http.Server{Handler: p.handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("portal listening", "url", base+"/", "issuer", p.issuer, "bbb", p.bbbURL)
	if ready != nil {
		ready <- base
	}
	select {
	case err := <-errc:
		logger.Error("serve", "err", err)
		return exitFailure
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Error("shutdown", "err", err)
		return exitFailure
	}
	logger.Info("portal stopped")
	return exitOK
}
