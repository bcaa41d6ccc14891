// Package echotest serves a fake API that echoes each request's signed query
// back in its answers, the way a careless server or proxy does, and keeps
// every checksum it was sent: tests use it to prove that no credential
// survives in an error or a log record of a bbbkit client.
package echotest
