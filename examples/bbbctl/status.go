package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
)

// serverStatus is one row of status: the balancer's view of a server and
// what the server itself answered.
type serverStatus struct {
	ID             string   `json:"id"`
	Host           string   `json:"host"`
	URL            string   `json:"url"`
	Site           string   `json:"site"`
	Tag            string   `json:"tag"`
	State          string   `json:"state"`
	Online         bool     `json:"online"`
	Meetings       int      `json:"meetings"`
	Users          int      `json:"users"`
	Largest        int      `json:"largest_meeting"`
	Videos         int      `json:"videos"`
	Load           *float64 `json:"load"`
	LoadMultiplier float64  `json:"load_multiplier,omitempty"`
	Capacity       float64  `json:"capacity,omitempty"`
	Version        string   `json:"version,omitempty"`
	Error          string   `json:"error,omitempty"`
}

// statusReport is status's JSON: the rows and their totals.
type statusReport struct {
	Servers []serverStatus `json:"servers"`
	Total   serverStatus   `json:"total"`
}

type statusCmd struct {
	target   targetFlags
	out      outputFlag
	watch    bool
	interval time.Duration
}

func (c *statusCmd) register(fs *flag.FlagSet) {
	c.target.register(fs)
	c.out.register(fs, true)
	fs.BoolVar(&c.watch, "watch", false, "redraw every -interval until interrupted")
	fs.DurationVar(&c.interval, "interval", 5*time.Second, "time between redraws with -watch")
}

func (c *statusCmd) run(ctx context.Context, env *cli.Env, _ []string) error {
	if err := c.out.check(true); err != nil {
		return err
	}
	if c.watch && c.interval <= 0 {
		return cli.Usagef("-interval must be positive")
	}
	t, err := c.target.connect(ctx, env)
	if err != nil {
		return err
	}
	for {
		rep, err := collectStatus(ctx, t)
		if err != nil {
			if c.watch && ctx.Err() != nil {
				return nil // interrupted while redrawing: the normal end of -watch
			}
			return err
		}
		if c.watch && c.out.format != outJSON {
			fmt.Fprint(env.Stdout, "\x1b[H\x1b[2J") // home and clear, as watch(1) does
		}
		if err := writeStatus(env.Stdout, rep, c.out.format); err != nil {
			return err
		}
		if !c.watch {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(c.interval):
		}
	}
}

// collectStatus asks every server at once for its meetings; a server that
// does not answer within the timeout gets a row with its error.
func collectStatus(ctx context.Context, t *target) (*statusReport, error) {
	nodes, err := t.servers(ctx)
	if err != nil {
		return nil, err
	}
	meetings, errs := eachServer(ctx, t, nodes, func(ctx context.Context, c *bbb.Client, _ node) ([]bbb.Meeting, error) {
		return c.GetMeetings(ctx)
	})
	rep := &statusReport{Servers: make([]serverStatus, 0, len(nodes)), Total: serverStatus{Host: "TOTAL"}}
	for i, n := range nodes {
		row := serverStatus{
			ID: n.ID, Host: hostOf(n.URL), URL: n.URL, Site: n.Site, Tag: n.Tag, State: n.State,
			Online: n.Online, LoadMultiplier: n.LoadMultiplier, Capacity: n.Capacity, Version: n.Version,
		}
		if n.Load.Known {
			row.Load = &n.Load.Value
		}
		if errs[i] != nil {
			row.Online, row.Error = false, errs[i].Error()
		} else if t.admin == nil {
			row.Online = true
		}
		for _, m := range meetings[i] {
			row.Meetings++
			row.Users += m.ParticipantCount
			row.Largest = max(row.Largest, m.ParticipantCount)
			row.Videos += m.VideoCount
		}
		rep.Servers = append(rep.Servers, row)
		rep.Total.Meetings += row.Meetings
		rep.Total.Users += row.Users
		rep.Total.Largest = max(rep.Total.Largest, row.Largest)
		rep.Total.Videos += row.Videos
		rep.Total.Capacity += row.Capacity
		if row.Online {
			rep.Total.Online = true
		}
	}
	return rep, nil
}

func writeStatus(w io.Writer, rep *statusReport, format string) error {
	if format == outJSON {
		return writeJSON(w, rep)
	}
	header := []string{"HOST", "SITE", "TAG", "STATE", "ONLINE", "MEETINGS", "USERS", "LARGEST", "VIDEOS", "LOAD", "CAPACITY"}
	if format == outWide {
		header = append(header, "ID", "VERSION", "MULTIPLIER", "ERROR")
	}
	tab := newTable(w, header...)
	online := 0
	for _, r := range rep.Servers {
		if r.Online {
			online++
		}
		tab.row(statusCells(r, format, onlineText(r.Online))...)
	}
	total := rep.Total
	tab.row(statusCells(total, format, fmt.Sprintf("%d/%d", online, len(rep.Servers)))...)
	return tab.flush()
}

func statusCells(r serverStatus, format, online string) []string {
	load := ""
	if r.Load != nil {
		load = formatFloat(*r.Load)
	}
	counts := []string{strconv.Itoa(r.Meetings), strconv.Itoa(r.Users), strconv.Itoa(r.Largest), strconv.Itoa(r.Videos)}
	if r.Error != "" {
		counts = []string{"", "", "", ""} // unknown, not zero
	}
	cells := append([]string{r.Host, r.Site, r.Tag, r.State, online}, counts...)
	capacity := ""
	if r.Capacity != 0 {
		capacity = formatFloat(r.Capacity)
	}
	cells = append(cells, load, capacity)
	if format == outWide {
		mult := ""
		if r.LoadMultiplier != 0 {
			mult = formatFloat(r.LoadMultiplier)
		}
		cells = append(cells, r.ID, r.Version, mult, r.Error)
	}
	return cells
}

func onlineText(online bool) string {
	if online {
		return "online"
	}
	return "offline"
}
