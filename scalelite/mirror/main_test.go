package mirror

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// cleanupM removes the benchmark trees after the run.
type cleanupM struct{ m *testing.M }

func (c cleanupM) Run() int {
	code := c.m.Run()
	benchTrees.Lock()
	for _, dir := range benchTrees.dirs {
		os.RemoveAll(dir)
	}
	benchTrees.Unlock()
	return code
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(cleanupM{m})
}
