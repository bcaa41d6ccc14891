package durable_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/redis/go-redis/v9"

	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/durable"
)

// The Handler stores each verified event in Redis before answering 200;
// Consume, in every replica, hands the events to the application.
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	q, err := durable.New(rdb)
	if err != nil {
		panic(err)
	}
	h, err := webhooks.NewHandler("shared-secret-of-bbb", "https://portal.example.org/bbb/events", q.Deliver)
	if err != nil {
		panic(err)
	}
	http.Handle("/bbb/events", q.Wrap(h))
	app := func(_ context.Context, d *webhooks.Delivery) error {
		for _, ev := range d.Events {
			fmt.Println(ev.Type, ev.MeetingID)
		}
		return nil // acknowledged only now
	}
	_ = app // in a program: go q.Consume(ctx, app); http.ListenAndServe(…)
	fmt.Println(q.Consumer() != "")
	// Output: true
}
