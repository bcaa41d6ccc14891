package metrics

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestGoldenExposition pins the whole exposition for a fixed fake state.
func TestGoldenExposition(t *testing.T) {
	t.Parallel()
	srv, client := newFake(t)
	populate(t, srv, client)
	clk := newTestClock()
	col, err := NewCollector([]Target{{Name: "bbb1", Client: client}},
		WithClock(clk.Now), WithVersion("v0.1.0-test"))
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	if err := col.RefreshRecordings(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := exposition(t, col)
	golden := filepath.Join("testdata", "exposition.golden")
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
