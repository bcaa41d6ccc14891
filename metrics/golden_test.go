package metrics

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestGoldenExposition pins the whole exposition for a fixed fake state:
// one server with bigbluebutton-exporter's labels, and two servers (one
// down) with the server label.
func TestGoldenExposition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		golden string
		down   bool // add a second server that is down
	}{
		{"exposition.golden", false},
		{"exposition_two_servers.golden", true},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			t.Parallel()
			checkGolden(t, tt.golden, tt.down)
		})
	}
}

func checkGolden(t *testing.T, name string, down bool) {
	srv, client := newFake(t)
	populate(t, srv, client)
	targets := []Target{{Name: "bbb1", Client: client}}
	if down {
		downSrv, downClient := newFake(t)
		downSrv.SetDown(true)
		targets = append(targets, Target{Name: "bbb2", Client: downClient})
	}
	clk := newTestClock()
	col, err := NewCollector(targets, WithClock(clk.Now), WithVersion("v0.1.0-test"))
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	if err := col.RefreshRecordings(context.Background()); (err != nil) != down {
		t.Fatalf("RefreshRecordings = %v", err)
	}
	got := exposition(t, col)
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("exposition differs from %s (run with -update after checking):\n%s", golden, got)
	}
}
