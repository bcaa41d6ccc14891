package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
)

// startDemo starts an embedded fake BigBlueButton server on loopback with a
// few meetings, attendees of several client types, a breakout room and
// recordings in every state, so that the exporter shows metrics at once.
func startDemo(ctx context.Context) (*bbbtest.Server, error) {
	// The options are constant and valid, so NewServer cannot panic on them.
	srv := bbbtest.NewServer(bbbtest.WithSeed(1), bbbtest.WithEmptyMeetingTimeout(0))
	client, err := bbb.New(srv.APIURL(), srv.Secret, bbb.WithHTTPClient(srv.Client()))
	if err != nil {
		srv.Close()
		return nil, err
	}
	if err := populateDemo(ctx, srv, client); err != nil {
		srv.Close()
		return nil, fmt.Errorf("demo state: %w", err)
	}
	return srv, nil
}

func populateDemo(ctx context.Context, srv *bbbtest.Server, client *bbb.Client) error {
	type room struct {
		id, name, origin, originServer string
		users                          []bbbtest.User
	}
	rooms := []room{
		{"physics-101", "Physics 101", "Greenlight", "gl.example.org", []bbbtest.User{
			{FullName: "Ada", Role: "MODERATOR", Voice: true, Video: true},
			{FullName: "Bob", ListenOnly: true},
			{FullName: "Cy", Voice: true},
			{FullName: "Phone 1", ClientType: "DIAL-IN", Voice: true},
		}},
		{"staff", "Staff meeting", "Moodle", "lms.example.org", []bbbtest.User{
			{FullName: "Gus", Role: "MODERATOR", Voice: true, Video: true},
			{FullName: "Hal", Video: true, Voice: true},
		}},
		{"lobby", "Lobby", "", "", nil},
	}
	var physicsInternal string
	for _, r := range rooms {
		p := &bbb.CreateMeetingParams{Name: r.name, MeetingID: r.id, Record: bbb.Bool(true)}
		if r.origin != "" {
			p.Meta = map[string]string{"bbb-origin": r.origin, "bbb-origin-server-name": r.originServer}
		}
		resp, err := client.CreateMeeting(ctx, p)
		if err != nil {
			return err
		}
		if r.id == "physics-101" {
			physicsInternal = resp.InternalMeetingID
		}
		for _, u := range r.users {
			if _, err := srv.Join(r.id, u); err != nil {
				return err
			}
		}
	}
	if _, err := client.CreateMeeting(ctx, &bbb.CreateMeetingParams{
		Name: "Physics 101 (Room 1)", MeetingID: "physics-101-room-1",
		IsBreakout: bbb.Bool(true), ParentMeetingID: physicsInternal, Sequence: 1,
	}); err != nil {
		return err
	}
	if _, err := srv.Join("physics-101-room-1", bbbtest.User{FullName: "Eve", Voice: true}); err != nil {
		return err
	}
	start := time.Now().Add(-72 * time.Hour)
	for i, st := range []string{
		bbbtest.StateProcessing, bbbtest.StatePublished, bbbtest.StatePublished, bbbtest.StatePublished,
		bbbtest.StateUnpublished, bbbtest.StateDeleted,
	} {
		s := start.Add(time.Duration(i) * time.Hour)
		if _, err := srv.AddRecording(bbbtest.RecordingSpec{
			MeetingID: "physics-101", Name: "Physics 101", State: st, Start: s, End: s.Add(45 * time.Minute), Participants: 4,
		}); err != nil {
			return err
		}
	}
	return nil
}

// churnDemo makes a user join or leave the demo's lobby every interval, so
// that the gauges move, until ctx ends.
func churnDemo(ctx context.Context, srv *bbbtest.Server, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	rng := rand.New(rand.NewPCG(1, 2))
	var joined []string
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if len(joined) > 0 && (len(joined) >= 8 || rng.IntN(3) == 0) {
			i := rng.IntN(len(joined))
			_ = srv.Leave("lobby", joined[i])
			joined = append(joined[:i], joined[i+1:]...)
			continue
		}
		u := bbbtest.User{FullName: fmt.Sprintf("Guest %d", n), Voice: rng.IntN(2) == 0, Video: rng.IntN(4) == 0}
		if rng.IntN(5) == 0 {
			u.ClientType = "DIAL-IN"
		}
		if ju, err := srv.Join("lobby", u); err == nil {
			joined = append(joined, ju.UserID)
		}
	}
}
