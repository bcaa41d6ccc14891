package every_test

import (
	"context"
	"fmt"
	"time"

	"github.com/bbbkit/bbbkit/internal/every"
)

func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := every.Run(ctx, time.Millisecond, func(context.Context) {
		n++
		if n == 2 {
			cancel()
		}
	})
	fmt.Println(n, err)
	// Output: 2 context canceled
}
