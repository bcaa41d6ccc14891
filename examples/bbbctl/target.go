package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/scalelite"
	"go.yaml.in/yaml/v3"
)

// Kinds of target.
const (
	kindAuto     = "auto"
	kindBalancer = "balancer"
	kindServer   = "server"
)

// targetFlags are the flags every command shares: where the cluster is and
// how to reach it.
type targetFlags struct {
	url        string
	secretFile string
	secret     string
	context    string
	config     string
	kind       string
	timeout    time.Duration
	caFile     string
}

func (f *targetFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.url, "url", "", "balancer or BigBlueButton server URL (default $BBBCTL_URL)")
	fs.StringVar(&f.secretFile, "secret-file", "", "read the balancer's or server's secret from this file (default $BBBCTL_SECRET)")
	fs.StringVar(&f.secret, "secret", "", "the secret itself; visible in ps, prefer $BBBCTL_SECRET or -secret-file")
	fs.StringVar(&f.context, "context", "", "named context of the config file (default its current-context)")
	fs.StringVar(&f.config, "config", "", "config file (default $BBBCTL_CONFIG or ~/.config/bbbctl/config.yaml)")
	fs.StringVar(&f.kind, "kind", kindAuto, "what -url is: auto (ask the admin API), balancer or server")
	fs.DurationVar(&f.timeout, "request-timeout", 5*time.Second, "timeout of each call to one server or the balancer")
	fs.StringVar(&f.caFile, "ca-file", "", "PEM file of extra CA certificates to trust (HTTPS and TURN over TLS)")
}

// configFile is the kubectl-style config file: named contexts and the
// current one.
type configFile struct {
	CurrentContext string          `yaml:"current-context"`
	Contexts       []configContext `yaml:"contexts"`
}

// configContext is one named target: a URL (balancer or server) with its
// secret, or a list of servers.
type configContext struct {
	Name    string         `yaml:"name"`
	URL     string         `yaml:"url"`
	Kind    string         `yaml:"kind"`
	Secret  secretSource   `yaml:",inline"`
	Servers []configServer `yaml:"servers"`
}

// configServer is one BigBlueButton server of a context without a balancer.
type configServer struct {
	URL    string       `yaml:"url"`
	Secret secretSource `yaml:",inline"`
}

// secretSource says where a secret is: in the file itself, in an
// environment variable or in another file.
type secretSource struct {
	Secret     string `yaml:"secret"`
	SecretEnv  string `yaml:"secret-env"`
	SecretFile string `yaml:"secret-file"`
}

// resolve returns the secret, or an error naming where it was looked for
// (never the secret).
func (s secretSource) resolve(getenv func(string) string, baseDir string) (string, error) {
	switch {
	case s.Secret != "":
		return s.Secret, nil
	case s.SecretEnv != "":
		if v := strings.TrimSpace(getenv(s.SecretEnv)); v != "" {
			return v, nil
		}
		return "", fmt.Errorf("environment variable %s is empty", s.SecretEnv)
	case s.SecretFile != "":
		return readSecretFile(s.SecretFile, baseDir)
	}
	return "", errors.New("no secret, secret-env or secret-file")
}

// readSecretFile reads a secret file of the config file: a relative path
// is relative to baseDir.
func readSecretFile(path, baseDir string) (string, error) {
	if !strings.HasPrefix(path, "~/") && !filepath.IsAbs(path) && baseDir != "" {
		path = filepath.Join(baseDir, path)
	}
	return cli.ReadSecretFile(path)
}

// endpoint is one URL with its secret, before detection.
type endpoint struct {
	url    string
	secret string
}

// resolved is what the flags, the environment and the config file name.
type resolved struct {
	kind      string
	endpoints []endpoint // one for a balancer or auto; one per server otherwise
}

// resolve applies the precedence flags > environment > config file.
func (f *targetFlags) resolve(env *cli.Env) (*resolved, error) {
	if f.kind != kindAuto && f.kind != kindBalancer && f.kind != kindServer {
		return nil, cli.Usagef("-kind must be auto, balancer or server")
	}
	u := f.url
	if u == "" && f.context == "" {
		u = strings.TrimSpace(env.Getenv("BBBCTL_URL"))
	}
	if u == "" {
		return f.fromConfig(env)
	}
	secret, err := env.SecretFrom(f.secret, f.secretFile, "BBBCTL_SECRET")
	if err != nil {
		return nil, cli.Usagef("-secret-file: %v", err)
	}
	if secret == "" {
		return nil, cli.Usagef("a secret is required for %s: $BBBCTL_SECRET or -secret-file", u)
	}
	return &resolved{kind: f.kind, endpoints: []endpoint{{url: u, secret: secret}}}, nil
}

func (f *targetFlags) configPath(env *cli.Env) string {
	if f.config != "" {
		return f.config
	}
	if p := env.Getenv("BBBCTL_CONFIG"); p != "" {
		return p
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "bbbctl", "config.yaml")
}

// fromConfig reads the context of the config file.
func (f *targetFlags) fromConfig(env *cli.Env) (*resolved, error) {
	path := f.configPath(env)
	data, err := os.ReadFile(path)
	if err != nil {
		if f.context == "" && errors.Is(err, os.ErrNotExist) {
			return nil, cli.Usagef("no target: set $BBBCTL_URL and $BBBCTL_SECRET, give -url, or write a config file (%s)", path)
		}
		return nil, cli.Usagef("config file: %v", err)
	}
	var cfg configFile
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return nil, cli.Usagef("config file %s: %v", path, err)
	}
	name := f.context
	if name == "" {
		name = cfg.CurrentContext
	}
	if name == "" {
		return nil, cli.Usagef("config file %s: no current-context; give -context", path)
	}
	for _, c := range cfg.Contexts {
		if c.Name == name {
			return c.resolve(env.Getenv, filepath.Dir(path), f.kind)
		}
	}
	return nil, cli.Usagef("config file %s has no context %q", path, name)
}

func (c configContext) resolve(getenv func(string) string, baseDir, kindFlag string) (*resolved, error) {
	kind := c.Kind
	if kindFlag != kindAuto {
		kind = kindFlag
	}
	if kind == "" {
		kind = kindAuto
	}
	if c.URL != "" {
		secret, err := c.Secret.resolve(getenv, baseDir)
		if err != nil {
			return nil, cli.Usagef("context %s: %v", c.Name, err)
		}
		return &resolved{kind: kind, endpoints: []endpoint{{url: c.URL, secret: secret}}}, nil
	}
	if len(c.Servers) == 0 {
		return nil, cli.Usagef("context %s: neither url nor servers", c.Name)
	}
	r := &resolved{kind: kindServer}
	for i, s := range c.Servers {
		secret, err := s.Secret.resolve(getenv, baseDir)
		if err != nil {
			return nil, cli.Usagef("context %s, server %d: %v", c.Name, i+1, err)
		}
		r.endpoints = append(r.endpoints, endpoint{url: s.URL, secret: secret})
	}
	return r, nil
}

// target is the cluster a command works on: a balancer with its admin
// client, or a fixed list of servers.
type target struct {
	admin *scalelite.Client // nil without a balancer
	fixed []node            // the servers when there is no balancer
	// detected is the server list kind auto's detection got from the
	// balancer: the first servers() uses it instead of asking again.
	detected []scalelite.Server
	hc       *http.Client
	timeout  time.Duration
	tls      *tls.Config
}

// connect resolves the target and, for kind auto, asks whether the URL's
// admin API answers: a balancer then, a single server otherwise.
func (f *targetFlags) connect(ctx context.Context, env *cli.Env) (*target, error) {
	if f.timeout <= 0 {
		return nil, cli.Usagef("-request-timeout must be positive")
	}
	r, err := f.resolve(env)
	if err != nil {
		return nil, err
	}
	tlsConf, err := f.tlsConfig()
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Timeout: f.timeout, Transport: &http.Transport{TLSClientConfig: tlsConf, Proxy: http.ProxyFromEnvironment}}
	t := &target{hc: hc, timeout: f.timeout, tls: tlsConf}
	if r.kind == kindServer || len(r.endpoints) > 1 {
		return t, t.addServers(r.endpoints)
	}
	ep := r.endpoints[0]
	admin, err := scalelite.New(ep.url, ep.secret, bbb.WithHTTPClient(hc), bbb.WithTimeout(f.timeout))
	if err != nil {
		return nil, cli.Usagef("%v", err)
	}
	if r.kind == kindBalancer {
		t.admin = admin
		return t, nil
	}
	list, err := admin.GetServers(ctx)
	switch {
	case err == nil:
		t.admin, t.detected = admin, list
		return t, nil
	case errors.Is(err, scalelite.ErrChecksum):
		return nil, cli.Exit(cli.ExitAuth, fmt.Errorf("%s is a balancer that refused the secret", ep.url))
	}
	var te *scalelite.TransportError
	if errors.As(err, &te) {
		return nil, cli.Exit(cli.ExitUnavailable, fmt.Errorf("%s: %w", bbb.RedactURL(ep.url), err))
	}
	return t, t.addServers(r.endpoints) // no admin API: a BigBlueButton server
}

func (f *targetFlags) tlsConfig() (*tls.Config, error) {
	if f.caFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(f.caFile)
	if err != nil {
		return nil, cli.Usagef("-ca-file: %v", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, cli.Usagef("-ca-file %s holds no PEM certificate", f.caFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

func (t *target) addServers(eps []endpoint) error {
	for _, ep := range eps {
		raw := ep.url
		if u, err := url.Parse(raw); err == nil && strings.Trim(u.Path, "/") == "" {
			raw = strings.TrimSuffix(raw, "/") + "/bigbluebutton/api/" // a host: BigBlueButton's own path
		}
		api, err := bbb.NormalizeAPIURL(raw)
		if err != nil {
			return cli.Usagef("server URL: %v", err)
		}
		t.fixed = append(t.fixed, node{ID: hostOf(api), URL: api, Secret: ep.secret, State: "-", Online: true})
	}
	return nil
}

// balancer returns the admin client, or a usage error for commands that
// need one.
func (t *target) balancer(what string) (*scalelite.Client, error) {
	if t.admin == nil {
		return nil, cli.Usagef("%s needs a balancer; the target is a list of BigBlueButton servers", what)
	}
	return t.admin, nil
}

// hostOf is the host name of a URL, or the URL when it has none.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Host
}
