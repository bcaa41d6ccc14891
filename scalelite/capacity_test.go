package scalelite

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSitesCapacityAndDrainBodies checks the bbbkit extensions on the wire:
// site and capacity in addServer and updateServer, the drainServer body,
// and the answers of getCapacity and getServers.
func TestSitesCapacityAndDrainBodies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var mu sync.Mutex
	bodies := map[string]map[string]any{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action := r.URL.Path[len("/scalelite/api/"):]
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		mu.Lock()
		bodies[action] = m
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch action {
		case "getCapacity":
			_, _ = io.WriteString(w, `{"sites":[{"site":"a","servers":2,"online":2,"available":2,"accepting":1,"load":130,"capacity":200,"free":70,"meetings":5,"users":120}],"total":{"site":"","servers":2,"free":70}}`)
		default:
			_, _ = io.WriteString(w, `{"id":"s1","url":"https://h/bigbluebutton/api","secret":"x","state":"cordoned","load":"unavailable","load_multiplier":"1.0","online":"online","site":"a","capacity":"250"}`)
		}
	}))
	defer srv.Close()
	c, err := New(srv.URL, testSecret)
	require.NoError(t, err)

	s, err := c.AddServer(ctx, &AddServerParams{URL: "https://h/bigbluebutton/api", Secret: "x", Site: "a", Capacity: 250})
	require.NoError(t, err)
	assert.Equal(t, "a", s.Site)
	assert.Equal(t, 250.0, s.Capacity, "a capacity sent as a string reads as a number")
	assert.Equal(t, map[string]any{"url": "https://h/bigbluebutton/api", "secret": "x", "site": "a", "capacity": 250.0}, bodies["addServer"]["server"])

	_, err = c.UpdateServer(ctx, "s1", &UpdateServerParams{Site: new(""), Capacity: new(0.0)})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"site": "", "capacity": 0.0}, bodies["updateServer"]["server"], "pointers to zero values remove")

	_, err = c.DrainServer(ctx, "s1", &DrainServerParams{Deadline: 90 * time.Second, EndMeetings: true, Message: "bye"})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"id": "s1", "deadline_seconds": 90.0, "at_deadline": "end", "message": "bye"}, bodies["drainServer"])
	_, err = c.DrainServer(ctx, "s1", nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"id": "s1", "at_deadline": "fail"}, bodies["drainServer"])

	capacity, err := c.GetCapacity(ctx)
	require.NoError(t, err)
	require.Len(t, capacity.Sites, 1)
	assert.Equal(t, 70.0, capacity.Sites[0].Free)
	assert.Equal(t, 2, capacity.Total.Servers)

	for name, run := range map[string]func() error{
		"drain empty id": func() error { _, err := c.DrainServer(ctx, "", nil); return err },
		"drain negative": func() error { _, err := c.DrainServer(ctx, "s1", &DrainServerParams{Deadline: -1}); return err },
		"add negative capacity": func() error {
			_, err := c.AddServer(ctx, &AddServerParams{URL: "https://h/x", Secret: "x", Capacity: -1})
			return err
		},
		"update NaN capacity": func() error {
			nan := 0.0
			nan /= nan
			_, err := c.UpdateServer(ctx, "s1", &UpdateServerParams{Capacity: &nan})
			return err
		},
	} {
		var ae *ParamError
		assert.ErrorAs(t, run(), &ae, name)
	}
}
