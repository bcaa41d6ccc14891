package scalelitetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
)

// TestGetRecordingsPagesAcrossServers pages getRecordings through the
// balancer with an independent client: offset and limit apply to the
// union of the servers' recordings in a stable order, totalElements is the
// sum, and walking the pages visits every recording exactly once.
func TestGetRecordingsPagesAcrossServers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCluster(t, 3)
	var all []string
	for i, n := range []int{10, 0, 23} {
		for j := range n {
			id, err := c.workers[i].AddRecording(bbbtest.RecordingSpec{MeetingID: fmt.Sprintf("w%d-m%02d", i, j),
				Start: time.Date(2026, 1, 1, 0, j, 0, 0, time.UTC), End: time.Date(2026, 1, 1, 1, j, 0, 0, time.UTC)})
			require.NoError(t, err)
			all = append(all, id)
		}
	}
	page, err := c.front.GetRecordings(ctx, &bbb.GetRecordingsParams{Limit: 5})
	require.NoError(t, err)
	require.True(t, page.Paged)
	require.Equal(t, 33, page.TotalElements)
	require.Len(t, page.Recordings, 5)

	walk := func(limit int) []string {
		var ids []string
		for r, err := range c.front.Recordings(ctx, &bbb.GetRecordingsParams{Limit: limit}) {
			require.NoError(t, err)
			ids = append(ids, r.RecordID)
		}
		return ids
	}
	first, second := walk(7), walk(4)
	require.Equal(t, first, second, "the order is stable whatever the page size")
	require.ElementsMatch(t, all, first, "every recording exactly once")

	tail, err := c.front.GetRecordings(ctx, &bbb.GetRecordingsParams{Offset: 30, Limit: 10})
	require.NoError(t, err)
	require.Len(t, tail.Recordings, 3)
	require.Equal(t, 33, tail.TotalElements)
	got := make([]string, 0, 3)
	for _, r := range tail.Recordings {
		got = append(got, r.RecordID)
	}
	require.Equal(t, first[30:], got)

	past, err := c.front.GetRecordings(ctx, &bbb.GetRecordingsParams{Offset: 40, Limit: 10})
	require.NoError(t, err)
	require.Empty(t, past.Recordings)
	require.Equal(t, "noRecordings", past.MessageKey)

	unpaged, err := c.front.GetRecordings(ctx, nil)
	require.NoError(t, err)
	require.Len(t, unpaged.Recordings, 33, "without offset and limit the whole union, as before")
}
