package greenlighttest_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"

	"github.com/bbbkit/bbbkit/greenlight/greenlighttest"
)

// The fake answers like Greenlight: without "Accept: application/json" an
// API path returns the HTML app, with it the JSON envelope.
func ExampleNewServer() {
	fake := greenlighttest.NewServer()
	defer fake.Close()

	for _, accept := range []string{"text/html", "application/json"} {
		req, _ := http.NewRequest(http.MethodGet, fake.URL+"/api/v1/sessions.json", nil)
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.Header.Get("Content-Type"), strings.Contains(string(body), `"signed_in":false`))
	}
	// Output:
	// text/html; charset=utf-8 false
	// application/json; charset=utf-8 true
}
