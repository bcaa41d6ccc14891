package redisstore_test

import (
	"context"
	"fmt"
	"log"

	"github.com/redis/go-redis/v9"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/redisstore"
)

// New does no I/O: the client connects on first use.
func ExampleNew() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	store, err := redisstore.New(rdb, redisstore.WithPrefix("cluster-a:"))
	if err != nil {
		fmt.Println(err)
		return
	}
	sched, err := scheduler.New(scheduler.WithStore(store))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(store.Prefix(), sched.Store() == store)
	// Output: cluster-a: true
}

// Several API processes share one Redis; each builds its Scheduler on the
// same prefix, and only one of them runs the poller.
func Example_sharedCluster() {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	store, err := redisstore.New(rdb, redisstore.WithPrefix("scalelite:"))
	if err != nil {
		log.Fatal(err)
	}
	sched, err := scheduler.New(scheduler.WithStore(store)) // default lister: BBB getMeetings
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = sched.Run(ctx) }() // in the one poller process only

	p, err := sched.Pick(ctx, "meeting-42", "")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("forward create to", p.Server.URL)
}
