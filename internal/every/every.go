package every

import (
	"context"
	"time"
)

// Run calls fn at once and then every interval until ctx ends, and returns
// ctx's error. fn's errors are the caller's to report (fn sees them first);
// the loop goes on. fn is never called once ctx has ended, even when a tick
// is due at the same time.
func Run(ctx context.Context, interval time.Duration, fn func(context.Context)) error {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		fn(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		}
	}
}
