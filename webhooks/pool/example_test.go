package pool_test

import (
	"context"
	"fmt"

	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/pool"
)

// A Reconciler registers one callback per server (base/<server ID>) on
// every server of the pool; Run would repeat the Sync every interval.
func Example() {
	bbb1 := bbbtest.NewServer()
	defer bbb1.Close()
	bbb2 := bbbtest.NewServer()
	defer bbb2.Close()
	servers := pool.Static{
		{ID: "bbb1", URL: bbb1.APIURL(), Secret: bbb1.Secret},
		{ID: "bbb2", URL: bbb2.APIURL(), Secret: bbb2.Secret},
	}
	rec, err := pool.New(servers, webhooks.CreateParams{},
		pool.WithCallbackURL(pool.CallbackURLPath("https://portal.example.org/hooks")))
	if err != nil {
		panic(err)
	}
	if err := rec.Sync(context.Background()); err != nil {
		panic(err)
	}
	for _, st := range rec.Status() {
		fmt.Println(st.ID, st.Registered(), st.CallbackURL)
	}
	// Output:
	// bbb1 true https://portal.example.org/hooks/bbb1
	// bbb2 true https://portal.example.org/hooks/bbb2
}
