// Package e2e holds bbbkit's container end-to-end suite: several fake BBB
// workers (examples/fakebbb) behind a fake Scalelite (examples/balancer),
// webhook receivers, recording mirrors and Redis, each in its own container
// on a private Docker network, driven only through bbbkit's public packages.
//
// The images are built FROM scratch around static (CGO_ENABLED=0) binaries of
// the example programs, from an in-memory build context, so no registry is
// needed. The suite sets TESTCONTAINERS_RYUK_DISABLED=true and
// TESTCONTAINERS_HOST_OVERRIDE=localhost when they are unset, refuses to
// start when the override points anywhere but loopback, and skips with one
// line when no Docker engine answers. Run it alone with
//
//	go test ./internal/e2e/...
//
// The package has no non-test code besides this documentation.
package e2e
