package httpcore_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/bbbkit/bbbkit/internal/httpcore"
)

func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "proxy error for "+r.URL.String())
	}))
	defer srv.Close()

	cfg := httpcore.Config{Service: "demo"}
	if err := httpcore.Timeout(0)(&cfg); err != nil {
		panic(err)
	}
	c := httpcore.New(cfg)
	_, err := c.Do(context.Background(), &httpcore.Request{Call: "getMeetings",
		URL: srv.URL + "/api/getMeetings?checksum=0123456789abcdef0123456789abcdef01234567"})
	if he, ok := err.(*httpcore.HTTPError); ok {
		fmt.Println(he.StatusCode, he.Snippet)
	}
	// Output: 502 proxy error for /api/getMeetings?checksum=REDACTED
}
