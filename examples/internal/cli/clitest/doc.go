// Package clitest holds test helpers for the example programs built on
// package cli: attacks every server program must survive, written once.
package clitest
