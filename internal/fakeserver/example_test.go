package fakeserver_test

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/bbbkit/bbbkit/internal/fakeserver"
)

// A fake keeps a Listener and delegates Start, Client and Close to it.
func Example() {
	var l fakeserver.Listener
	root := l.Start("example", http.NotFoundHandler())
	defer l.Close()
	resp, err := l.Client().Get(root + "/missing")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(strings.HasPrefix(root, "http://127.0.0.1:"), resp.StatusCode)
	// Output: true 404
}
