// Package every runs a function at once and then at a fixed interval until
// a context ends: the loop of the webhooks reconcilers and pollers.
package every

import (
	"context"
	"time"
)

// Run calls fn at once and then every interval until ctx ends, and returns
// ctx's error. fn's errors are the caller's to report (fn sees them first);
// the loop goes on.
func Run(ctx context.Context, interval time.Duration, fn func(context.Context)) error {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		fn(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		}
	}
}
