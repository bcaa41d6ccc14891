package metrics_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/metrics"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// A collector for one server exposes bigbluebutton-exporter's metrics with
// its labels.
func ExampleNewCollector() {
	srv := bbbtest.NewServer()
	defer srv.Close()
	client, err := bbb.New(srv.APIURL(), srv.Secret)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "Demo", MeetingID: "demo"}); err != nil {
		log.Fatal(err)
	}
	_, _ = srv.Join("demo", bbbtest.User{FullName: "Ada"})
	_, _ = srv.Join("demo", bbbtest.User{FullName: "Phone", ClientType: "DIAL-IN", Voice: true})

	col, err := metrics.NewCollector([]metrics.Target{{Client: client}}, metrics.WithoutRecordings())
	if err != nil {
		log.Fatal(err)
	}
	defer col.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(col)

	mfs, err := reg.Gather()
	if err != nil {
		log.Fatal(err)
	}
	for _, mf := range mfs {
		switch mf.GetName() {
		case "bbb_api_up", "bbb_meetings_participants", "bbb_meetings_participant_clients":
			for _, m := range mf.GetMetric() {
				var labels []string
				for _, l := range m.GetLabel() {
					labels = append(labels, l.GetName()+"="+l.GetValue())
				}
				fmt.Println(mf.GetName(), strings.Join(labels, ","), m.GetGauge().GetValue())
			}
		}
	}
	// Output:
	// bbb_api_up  1
	// bbb_meetings_participant_clients type=dial-in 1
	// bbb_meetings_participant_clients type=flash 0
	// bbb_meetings_participant_clients type=html5 1
	// bbb_meetings_participants  2
}

// ClientMetrics counts a client's requests once installed as its observer.
func ExampleClientMetrics() {
	srv := bbbtest.NewServer()
	defer srv.Close()
	cm, err := metrics.NewClientMetrics()
	if err != nil {
		log.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(cm)
	client, err := bbb.New(srv.APIURL(), srv.Secret, bbb.WithObserver(cm.Observer("bbb1")))
	if err != nil {
		log.Fatal(err)
	}
	_, _ = client.GetMeetings(context.Background())
	srv.SetDown(true)
	_, _ = client.GetMeetings(context.Background())

	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != "bbbkit_client_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			fmt.Println(strings.Join(labels, ","), m.GetCounter().GetValue())
		}
	}
	// Output:
	// call=getMeetings,outcome=success,server=bbb1 1
	// call=getMeetings,outcome=transport_error,server=bbb1 1
}

// SchedulerMetrics observes a scheduler's events and reads its servers at
// scrape time.
func ExampleSchedulerMetrics() {
	ctx := context.Background()
	sm := metrics.NewSchedulerMetrics()
	lister := scheduler.MeetingListerFunc(func(context.Context, scheduler.Server) ([]scheduler.Meeting, error) {
		return nil, nil
	})
	s, err := scheduler.New(scheduler.WithMeetingLister(lister), scheduler.WithObserver(sm.Observe))
	if err != nil {
		log.Fatal(err)
	}
	sm.Watch(s)
	reg := prometheus.NewRegistry()
	reg.MustRegister(sm)

	_, _ = s.AddServer(ctx, scheduler.ServerConfig{ID: "bbb1", URL: "https://bbb1.example.org/bigbluebutton/api/", Secret: "x"})
	_, _ = s.SetState(ctx, "bbb1", scheduler.StateEnabled)
	_ = s.Poll(ctx)
	_, _ = s.Pick(ctx, "math", "")

	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		switch mf.GetName() {
		case "bbbkit_scheduler_placements_total", "bbbkit_scheduler_server_online":
			for _, m := range mf.GetMetric() {
				v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
				fmt.Println(mf.GetName(), m.GetLabel()[0].GetValue(), v)
			}
		}
	}
	// Output:
	// bbbkit_scheduler_placements_total placed 1
	// bbbkit_scheduler_server_online bbb1 1
}
