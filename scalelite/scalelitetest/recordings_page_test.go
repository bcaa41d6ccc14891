package scalelitetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/google/go-cmp/cmp"
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
			if err != nil {
				t.Fatalf("c.front.Recordings(...): %v", err)
			}
			all = append(all, id)
		}
	}
	page, err := c.front.GetRecordings(ctx, &bbb.GetRecordingsParams{Limit: 5})
	if err != nil {
		t.Fatalf("c.front.GetRecordings(ctx, &bbb.GetRecordingsParams{Limit: 5}): %v", err)
	}
	if !page.Paged {
		t.Fatalf("page.Paged = false; want true")
	}
	if page.TotalElements != 33 {
		t.Fatalf("page.TotalElements = %v; want %v", page.TotalElements, 33)
	}
	if len(page.Recordings) != 5 {
		t.Fatalf("len(page.Recordings) = %d; want %d: %v", len(page.Recordings), 5, page.Recordings)
	}

	walk := func(limit int) []string {
		var ids []string
		for r, err := range c.front.Recordings(ctx, &bbb.GetRecordingsParams{Limit: limit}) {
			if err != nil {
				t.Fatalf("c.front.Recordings(...): %v", err)
			}
			ids = append(ids, r.RecordID)
		}
		return ids
	}
	first, second := walk(7), walk(4)
	if diff := cmp.Diff(first, second); diff != "" {
		t.Fatalf("second mismatch (-want +got) (the order is stable whatever the page size):\n%s", diff)
	}
	if diff := cmp.Diff(all, first, cmpopts.SortSlices(func(a, b string) bool { return a < b }), cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("walk(7) recordings mismatch (-want +got, in any order) (every recording exactly once):\n%s", diff)
	}

	tail, err := c.front.GetRecordings(ctx, &bbb.GetRecordingsParams{Offset: 30, Limit: 10})
	if err != nil {
		t.Fatalf("c.front.GetRecordings(...): %v", err)
	}
	if len(tail.Recordings) != 3 {
		t.Fatalf("len(tail.Recordings) = %d; want %d: %v", len(tail.Recordings), 3, tail.Recordings)
	}
	if tail.TotalElements != 33 {
		t.Fatalf("tail.TotalElements = %v; want %v", tail.TotalElements, 33)
	}
	got := make([]string, 0, 3)
	for _, r := range tail.Recordings {
		got = append(got, r.RecordID)
	}
	if diff := cmp.Diff(first[30:], got); diff != "" {
		t.Fatalf("got mismatch (-want +got):\n%s", diff)
	}

	past, err := c.front.GetRecordings(ctx, &bbb.GetRecordingsParams{Offset: 40, Limit: 10})
	if err != nil {
		t.Fatalf("c.front.GetRecordings(...): %v", err)
	}
	if len(past.Recordings) != 0 {
		t.Fatalf("past.Recordings = %v; want empty", past.Recordings)
	}
	if past.MessageKey != "noRecordings" {
		t.Fatalf("past.MessageKey = %q; want %q", past.MessageKey, "noRecordings")
	}

	unpaged, err := c.front.GetRecordings(ctx, nil)
	if err != nil {
		t.Fatalf("c.front.GetRecordings(ctx, nil): %v", err)
	}
	if len(unpaged.Recordings) != 33 {
		t.Fatalf("len(unpaged.Recordings) = %d; want %d: %v (without offset and limit the whole union, as before)", len(unpaged.Recordings), 33, unpaged.Recordings)
	}
}
