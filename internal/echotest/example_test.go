package echotest_test

import (
	"fmt"
	"net/http"

	"github.com/bbbkit/bbbkit/internal/echotest"
)

func Example() {
	srv := echotest.NewServer(func(w http.ResponseWriter, r *http.Request, e echotest.Echo) {
		http.Error(w, "bad request ?"+e.HTML, http.StatusBadGateway)
	})
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/getMeetings?checksum=0a1b2c")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(srv.Checksums(), srv.Leaks("an error quoting 0a1b2c"))
	// Output: [0a1b2c] [0a1b2c]
}
