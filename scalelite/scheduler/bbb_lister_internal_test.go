package scheduler

import (
	"context"
	"testing"
)

func TestDeleteServerForgetsListerClient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := NewBBBLister()
	s, err := New(WithMeetingLister(l))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := s.AddServer(ctx, ServerConfig{ID: "a", URL: "https://a.invalid/bigbluebutton/api/", Secret: "x"})
	if err != nil {
		t.Fatal(err)
	}
	c1, err := l.client(srv)
	if err != nil {
		t.Fatal(err)
	}
	if c2, _ := l.client(srv); c2 != c1 {
		t.Fatal("client not reused for the same URL and secret")
	}
	srv.Secret = "y"
	if c3, _ := l.client(srv); c3 == c1 {
		t.Fatal("client reused after the secret changed")
	}
	if err := s.DeleteServer(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	n := len(l.clients)
	l.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d clients cached after the server was deleted", n)
	}
}
