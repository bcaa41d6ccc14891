package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// This example places meetings on two servers. The meeting lister stands in
// for the default one, which asks each server's BBB API (getMeetings).
func Example() {
	ctx := context.Background()
	lister := scheduler.MeetingListerFunc(func(context.Context, scheduler.Server) ([]scheduler.Meeting, error) {
		return nil, nil // every server answers, with no meetings yet
	})
	s, err := scheduler.New(scheduler.WithMeetingLister(lister))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, id := range []string{"bbb1", "bbb2"} {
		if _, err := s.AddServer(ctx, scheduler.ServerConfig{
			ID: id, URL: "https://" + id + ".example.com/bigbluebutton/api/", Secret: "secret-" + id,
		}); err != nil {
			fmt.Println(err)
			return
		}
		if _, err := s.SetState(ctx, id, scheduler.StateEnabled); err != nil { // servers start disabled
			fmt.Println(err)
			return
		}
	}
	if err := s.Poll(ctx); err != nil { // the first good poll brings them online
		fmt.Println(err)
		return
	}
	for _, meeting := range []string{"math", "art", "math"} {
		p, err := s.Pick(ctx, meeting, "")
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s -> %s (existing %v, load %v)\n", meeting, p.Server.ID, p.Existing, p.Server.Load)
	}
	// Output:
	// math -> bbb1 (existing false, load 15)
	// art -> bbb2 (existing false, load 15)
	// math -> bbb1 (existing true, load 15)
}

// Tags follow Scalelite: a ";" list of acceptable tags, "!" to forbid the
// fallback to untagged servers.
func ExampleParseTags() {
	for _, arg := range []string{"", "gpu", "gpu;big!", "none"} {
		q := scheduler.ParseTags(arg)
		primary, fallback := q.Groups()
		fmt.Printf("%q: tags %q required %v -> try %q then %q\n", arg, q.Tags, q.Required, primary, fallback)
	}
	// Output:
	// "": tags [] required false -> try [""] then []
	// "gpu": tags ["gpu"] required false -> try ["gpu"] then [""]
	// "gpu;big!": tags ["gpu" "big"] required true -> try ["gpu" "big"] then []
	// "none": tags ["none"] required false -> try [""] then [""]
}

func ExampleScaleliteLoad() {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	load := scheduler.ScaleliteLoad(scheduler.DefaultMinUsers, scheduler.DefaultJoinBuffer)
	fmt.Println(load(now, []scheduler.Meeting{
		{ID: "new", CreateTime: now.Add(-time.Minute), ParticipantCount: 2},                    // young: counts 15
		{ID: "lecture", CreateTime: now.Add(-time.Hour), ParticipantCount: 120},                // 120
		{ID: "room-1", CreateTime: now.Add(-time.Hour), ParticipantCount: 6, IsBreakout: true}, // not counted
	}))
	// Output: 135
}

func ExampleScheduler_Pick_tagUnavailable() {
	ctx := context.Background()
	s, err := scheduler.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = s.Pick(ctx, "meeting-1", "gpu!")
	var te *scheduler.TagUnavailableError
	fmt.Println(errors.As(err, &te), te.Tag)
	_, err = s.Pick(ctx, "meeting-1", "gpu")
	fmt.Println(errors.Is(err, scheduler.ErrNoServer))
	// Output:
	// true gpu!
	// true
}

// Sites order placement: a new meeting goes to the least-loaded accepting
// server of the first site that has one. When site "a" is full, meetings
// spill to "b"; a request can bring its own order (the create parameter
// meta_bbbkit-site-order, parsed by ParseSiteOrder).
func ExampleWithSiteOrder() {
	ctx := context.Background()
	lister := scheduler.MeetingListerFunc(func(context.Context, scheduler.Server) ([]scheduler.Meeting, error) {
		return nil, nil
	})
	s, err := scheduler.New(scheduler.WithMeetingLister(lister), scheduler.WithSiteOrder("a", "b"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, cfg := range []scheduler.ServerConfig{
		{ID: "a1", Site: "a", Capacity: 30}, // full at 30 users
		{ID: "b1", Site: "b"},               // no limit
	} {
		cfg.URL, cfg.Secret = "https://"+cfg.ID+".example.com/bigbluebutton/api/", "secret-"+cfg.ID
		if _, err := s.AddServer(ctx, cfg); err != nil {
			fmt.Println(err)
			return
		}
		if _, err := s.SetState(ctx, cfg.ID, scheduler.StateEnabled); err != nil {
			fmt.Println(err)
			return
		}
	}
	if err := s.Poll(ctx); err != nil {
		fmt.Println(err)
		return
	}
	order, _ := scheduler.ParseSiteOrder("b,a") // a request's meta_bbbkit-site-order
	for _, pick := range []struct {
		meeting string
		opts    []scheduler.PickOption
	}{{"m1", nil}, {"m2", nil}, {"m3", nil}, {"m4", []scheduler.PickOption{scheduler.PreferSites(order...)}}} {
		p, err := s.Pick(ctx, pick.meeting, "", pick.opts...)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s -> %s (full %v)\n", pick.meeting, p.Server.ID, p.Server.Full())
	}
	// Output:
	// m1 -> a1 (full false)
	// m2 -> a1 (full true)
	// m3 -> b1 (full false)
	// m4 -> b1 (full false)
}
