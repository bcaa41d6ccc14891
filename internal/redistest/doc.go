// Package redistest gives tests a real Redis server.
//
// [Addr] returns the address in the BBBKIT_REDIS_ADDR environment variable
// when it is set; otherwise it starts a private redis-server process on
// 127.0.0.1 on a free port, without persistence, and stops it when the test
// ends. When redis-server is not installed the test fails if CI=true and is
// skipped otherwise, with one line saying to install Debian's redis-server.
//
// Tests sharing one Redis should namespace their keys with [Prefix].
package redistest
