package echotest_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/bbbkit/bbbkit/internal/echotest"
)

func TestServerEchoesAndRemembers(t *testing.T) {
	t.Parallel()
	srv := echotest.NewServer(func(w http.ResponseWriter, r *http.Request, e echotest.Echo) {
		fmt.Fprint(w, e.HTML+"|"+e.JSON+"|"+e.Encoded)
	})
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/x?a=1&checksum=abc123")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `a=1&amp;checksum=abc123|a=1\u0026checksum=abc123|a%3D1%26checksum%3Dabc123`; string(body) != want {
		t.Errorf("body %q, want %q", body, want)
	}
	if got := srv.Leaks("x abc123 y", "sec"); len(got) != 1 || got[0] != "abc123" {
		t.Errorf("Leaks = %v", got)
	}
}
