package fakeserver

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestListener(t *testing.T) {
	var l Listener
	if l.Client() == nil {
		t.Fatal("no client before Start")
	}
	l.Close() // not started: nothing to do
	root := l.Start("pkg", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer l.Close()
	if !strings.HasPrefix(root, "http://127.0.0.1:") || strings.HasSuffix(root, "/") {
		t.Errorf("root %q", root)
	}
	resp, err := l.Client().Get(root + "/x")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "ok" {
		t.Errorf("body %q", b)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "pkg: Server already started") {
			t.Errorf("second Start: %v", r)
		}
	}()
	l.Start("pkg", http.NotFoundHandler())
}

func TestMust(t *testing.T) {
	if Must(3, nil) != 3 {
		t.Error("Must changed the value")
	}
	bad := errors.New("bad option")
	defer func() {
		if r := recover(); r != bad {
			t.Errorf("Must panicked with %v", r)
		}
	}()
	Must(0, bad)
}
