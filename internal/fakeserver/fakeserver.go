package fakeserver

import (
	"net/http"
	"net/http/httptest"
)

// Listener is the optional loopback listener of a fake. The zero value is
// not listening.
type Listener struct {
	ts *httptest.Server
}

// Start serves h on a loopback port and returns its root URL. It panics,
// naming pkg, if the listener is already started, and like
// httptest.NewServer if no port can be opened.
func (l *Listener) Start(pkg string, h http.Handler) string {
	if l.ts != nil {
		panic(pkg + ": Server already started")
	}
	l.ts = httptest.NewServer(h)
	return l.ts.URL
}

// Client returns an *http.Client for the listener, or a plain client before
// Start.
func (l *Listener) Client() *http.Client {
	if l.ts != nil {
		return l.ts.Client()
	}
	return &http.Client{}
}

// Close stops the listener if Start opened one.
func (l *Listener) Close() {
	if l.ts != nil {
		l.ts.Close()
	}
}

// Must returns v, or panics with err: what NewServer does with New's
// result.
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
