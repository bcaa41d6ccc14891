package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/mirror"
)

func cmdServe(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "serve")
	dir := fs.String("dir", "/var/bigbluebutton/published", "published tree to serve")
	listen := fs.String("listen", "127.0.0.1:8090", "address to listen on")
	prefix := fs.String("prefix", "/", "URL path prefix of the endpoint")
	secret := fs.String("secret", "", "shared secret (prefer -secret-file or MIRROR_SECRET)")
	secretFile := fs.String("secret-file", "", "file holding the shared secret")
	cacheFile := fs.String("hash-cache", "", "file to keep file hashes in across restarts")
	certFile := fs.String("tls-cert", "", "serve HTTPS with this certificate (PEM)")
	keyFile := fs.String("tls-key", "", "private key of -tls-cert (PEM)")
	allowHardLinks := fs.Bool("allow-hardlinks", false, "serve files with more than one hard link (refused by default: a link can share a file from outside the tree)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageErr(e, "serve: unexpected argument %q", fs.Arg(0))
	}
	if (*certFile == "") != (*keyFile == "") {
		return usageErr(e, "serve: -tls-cert and -tls-key go together")
	}
	s, err := secretFrom(e, *secret, *secretFile)
	if err != nil {
		e.log.Error("serve", "err", err)
		return exitUsage
	}
	if s == "" {
		return usageErr(e, "serve: a secret is required (-secret, -secret-file or MIRROR_SECRET)")
	}
	opts := []mirror.HandlerOption{mirror.WithHardLinks(*allowHardLinks)}
	var cache *mirror.HashCache
	if *cacheFile != "" {
		if cache, err = mirror.LoadHashCache(*cacheFile); err != nil {
			e.log.Error("serve: hash cache", "err", err)
			return exitUnavailable
		}
		opts = append(opts, mirror.WithHashCache(cache))
	}
	h, err := mirror.NewHandler(*dir, s, opts...)
	if err != nil {
		e.log.Error("serve", "err", err)
		return exitUnavailable
	}
	p := "/" + strings.Trim(*prefix, "/")
	mux := http.NewServeMux()
	if p == "/" {
		mux.Handle("/", h)
	} else {
		mux.Handle(p+"/", http.StripPrefix(p, h))
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		e.log.Error("serve: listen", "err", err)
		return exitUnavailable
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	e.log.Info("serving", "dir", *dir, "addr", ln.Addr().String(), "prefix", p)
	done := make(chan error, 1)
	go func() {
		if *certFile != "" {
			done <- srv.ServeTLS(ln, *certFile, *keyFile)
			return
		}
		done <- srv.Serve(ln)
	}()
	select {
	case err = <-done:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
		<-done
	}
	if cache != nil {
		if serr := cache.Save(*cacheFile); serr != nil {
			e.log.Warn("serve: save hash cache", "err", serr)
		}
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		e.log.Error("serve", "err", err)
		return exitUnavailable
	}
	return exitOK // a signal ends a server normally
}
