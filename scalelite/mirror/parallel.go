package mirror

import (
	"context"
	"sync"
)

// parallel calls fn(i) for every i in [0, n) on at most workers goroutines,
// each taking the next index until none is left or ctx is done, and returns
// when all have finished. fn guards any state it shares with other calls.
func parallel(ctx context.Context, workers, n int, fn func(i int)) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := 0
	for w := 0; w < workers && w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n || ctx.Err() != nil {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}
