package scalelite_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scalelitetest"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/autoscale"
)

// Example adds a BigBlueButton server to a (fake) Scalelite and enables it.
func Example() {
	ctx := context.Background()
	sl := scalelitetest.NewServer(scalelitetest.WithSecret("balancer-secret"))
	defer sl.Close()
	worker := bbbtest.NewServer()
	defer worker.Close()

	admin, err := scalelite.New(sl.URL, "balancer-secret")
	if err != nil {
		log.Fatal(err)
	}
	srv, err := admin.AddServer(ctx, &scalelite.AddServerParams{URL: worker.APIURL(), Secret: worker.Secret})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(srv.State, srv.Load)
	srv, err = admin.EnableServer(ctx, srv.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(srv.State, srv.Load)
	// Output:
	// disabled unavailable
	// enabled 0
}

// ExampleError shows how the two error formats of the admin API are told
// apart with errors.Is.
func ExampleError() {
	ctx := context.Background()
	sl := scalelitetest.NewServer(scalelitetest.WithSecret("balancer-secret"))
	defer sl.Close()

	admin, _ := scalelite.New(sl.URL, "balancer-secret")
	_, err := admin.GetServerInfo(ctx, "no-such-server")
	fmt.Println(errors.Is(err, scalelite.ErrNotFound), err)

	wrong, _ := scalelite.New(sl.URL, "not-the-secret")
	_, err = wrong.GetServers(ctx)
	fmt.Println(errors.Is(err, scalelite.ErrChecksum), err)
	// Output:
	// true scalelite: getServerInfo: HTTP 404: Couldn't find server with id=no-such-server
	// true scalelite: getServers: checksumError: You did not pass the checksum security check
}

// ExampleLoad decodes the two forms Scalelite uses for a server's load.
func ExampleLoad() {
	var s scalelite.Server
	_ = s.UnmarshalJSON([]byte(`{"id":"bbb1","load":"unavailable","online":"offline","state":"disabled"}`))
	fmt.Println(s.Load.Known, s.Load)
	_ = s.UnmarshalJSON([]byte(`{"id":"bbb1","load":37.5,"load_multiplier":"1.5","online":"online","state":"enabled"}`))
	fmt.Println(s.Load.Known, s.Load, s.LoadMultiplier)
	// Output:
	// false unavailable
	// true 37.5 1.5
}

// ExampleClient_GetScalePlan asks a bbbkit balancer with an autoscaling
// policy what it would do now: one server of site "a", at capacity 100,
// leaves less than the 150 free the policy keeps.
func ExampleClient_GetScalePlan() {
	ctx := context.Background()
	scaler, err := autoscale.New(autoscale.Policy{Sites: []autoscale.SitePolicy{{
		Site: "a", Headroom: autoscale.Headroom{Absolute: 150}, MinServers: 1, ServerCapacity: 100,
	}}})
	if err != nil {
		log.Fatal(err)
	}
	sl := scalelitetest.NewServer(scalelitetest.WithSecret("balancer-secret"), scalelitetest.WithAutoscaler(scaler))
	defer sl.Close()
	worker := bbbtest.NewServer()
	defer worker.Close()

	admin, err := scalelite.New(sl.URL, "balancer-secret")
	if err != nil {
		log.Fatal(err)
	}
	srv, err := admin.AddServer(ctx, &scalelite.AddServerParams{URL: worker.APIURL(), Secret: worker.Secret, Site: "a", Capacity: 100})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := admin.EnableServer(ctx, srv.ID); err != nil {
		log.Fatal(err)
	}
	plan, err := admin.GetScalePlan(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range plan.Actions {
		fmt.Printf("site %s: add %d: %s\n", a.Site, a.ScaleOut, a.Reason)
	}
	// Output:
	// site a: add 1: free 100 below target 150
}
