// Package fakeserver is the listener half of the contract the fakes share
// (bbbtest, scalelitetest, greenlighttest), in the shape of
// net/http/httptest: New makes a fake that does not listen, Start serves it
// on a loopback port once, NewServer is New plus Start and panics on a bad
// option, Client is an *http.Client for it, Close stops it.
//
// The names every fake uses:
//
//	NewServer(opts...) *Server        starts; panics on a bad option (tests)
//	New(opts...) (*Server, error)     does not listen; reports a bad option (programs)
//	(*Server).Start()                 serves on 127.0.0.1; panics if started twice
//	(*Server).URL                     root, "http://127.0.0.1:port", no trailing slash
//	(*Server).Client() *http.Client   a client for it
//	(*Server).Close()                 stops it
//	WithAcceptedChecksums(algs...)    what it accepts
//	WithChecksum(alg)                 what it signs with
//	WithClock(func() time.Time)       its time
package fakeserver
