package main

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// countingLister counts its listings.
type countingLister struct{ calls atomic.Int32 }

func (c *countingLister) Servers(context.Context) ([]scheduler.Server, error) {
	c.calls.Add(1)
	time.Sleep(10 * time.Millisecond) // a store round trip
	return []scheduler.Server{{ID: "w1"}}, nil
}

// TestScrapeListerListsOncePerScrape: the collectors of one scrape, called
// at once, share one listing; the next scrape lists again.
func TestScrapeListerListsOncePerScrape(t *testing.T) {
	t.Parallel()
	var store countingLister
	s := &scrapeLister{lister: &store, maxAge: 200 * time.Millisecond}
	scrape := func() {
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				servers, err := s.Servers(context.Background())
				if err != nil || len(servers) != 1 || servers[0].ID != "w1" {
					t.Errorf("Servers() = %v, %v; want w1", servers, err)
				}
			})
		}
		wg.Wait()
	}
	scrape()
	if n := store.calls.Load(); n != 1 {
		t.Fatalf("one scrape of three collectors listed %d times; want 1", n)
	}
	time.Sleep(250 * time.Millisecond)
	scrape()
	if n := store.calls.Load(); n != 2 {
		t.Fatalf("after maxAge the next scrape made %d listings in all; want 2", n)
	}
}
