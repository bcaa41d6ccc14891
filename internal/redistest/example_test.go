package redistest_test

import (
	"fmt"

	"github.com/bbbkit/bbbkit/internal/redistest"
)

// Tests call redistest.Addr(t) and connect to the address it returns; set
// this variable to use an existing Redis instead of a private redis-server.
func Example() {
	fmt.Println(redistest.EnvAddr)
	// Output: BBBKIT_REDIS_ADDR
}
