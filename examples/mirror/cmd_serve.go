package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/scalelite/mirror"
)

type serveCmd struct {
	dir, listen, prefix, secret, secretFile, cacheFile string
	allowHardLinks                                     bool
	server                                             cli.ServerConfig
}

func (c *serveCmd) register(fs *flag.FlagSet) {
	fs.StringVar(&c.dir, "dir", "/var/bigbluebutton/published", "published tree to serve")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8090", "address to listen on")
	fs.StringVar(&c.prefix, "prefix", "/", "URL path prefix of the endpoint")
	fs.StringVar(&c.secret, "secret", "", "shared secret (prefer -secret-file or MIRROR_SECRET)")
	fs.StringVar(&c.secretFile, "secret-file", "", "file holding the shared secret")
	fs.StringVar(&c.cacheFile, "hash-cache", "", "file to keep file hashes in across restarts")
	fs.StringVar(&c.server.CertFile, "tls-cert", "", "serve HTTPS with this certificate (PEM)")
	fs.StringVar(&c.server.KeyFile, "tls-key", "", "private key of -tls-cert (PEM)")
	fs.BoolVar(&c.allowHardLinks, "allow-hardlinks", false, "serve files with more than one hard link (refused by default: a link can share a file from outside the tree)")
	// A recording's files can be large: the write timeout bounds a stall
	// of a download (see cli.Streaming), not the whole download.
	c.server.Register(fs)
}

func (c *serveCmd) run(ctx context.Context, env *cli.Env, _ []string) error {
	if err := c.server.Validate(); err != nil {
		return err
	}
	s, err := env.SecretFrom(c.secret, c.secretFile, "MIRROR_SECRET")
	if err != nil {
		return cli.Exit(cli.ExitUsage, err)
	}
	if s == "" {
		return cli.Usagef("a secret is required (-secret, -secret-file or MIRROR_SECRET)")
	}
	opts := []mirror.HandlerOption{mirror.WithHardLinks(c.allowHardLinks)}
	var cache *mirror.HashCache
	if c.cacheFile != "" {
		if cache, err = mirror.LoadHashCache(c.cacheFile); err != nil {
			return cli.Exit(cli.ExitUnavailable, fmt.Errorf("hash cache: %w", err))
		}
		opts = append(opts, mirror.WithHashCache(cache))
	}
	h, err := mirror.NewHandler(c.dir, s, opts...)
	if err != nil {
		return cli.Exit(cli.ExitUnavailable, err)
	}
	p := "/" + strings.Trim(c.prefix, "/")
	mux := http.NewServeMux()
	if p == "/" {
		mux.Handle("/", h)
	} else {
		mux.Handle(p+"/", http.StripPrefix(p, h))
	}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return cli.Exit(cli.ExitUnavailable, err)
	}
	log := logger(env)
	log.Info("serving", "dir", c.dir, "addr", ln.Addr().String(), "prefix", p)
	err = cli.Serve(ctx, ln, cli.Streaming(mux, c.server.WriteTimeout), c.server, log)
	if cache != nil {
		if serr := cache.Save(c.cacheFile); serr != nil {
			log.Warn("serve: save hash cache", "err", serr)
		}
	}
	if err != nil {
		return cli.Exit(cli.ExitUnavailable, err)
	}
	return nil // a signal ends a server normally
}
