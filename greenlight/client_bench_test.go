package greenlight_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/greenlight"
	"github.com/bbbkit/bbbkit/greenlight/greenlighttest"
)

func benchFake(b *testing.B) *greenlighttest.Server {
	b.Helper()
	fake := greenlighttest.NewServer()
	b.Cleanup(fake.Close)
	return fake
}

// BenchmarkRoomsRawHTTP is the baseline: a hand-written GET of rooms.json
// with a cookie jar, against the same fake, decoding nothing.
func BenchmarkRoomsRawHTTP(b *testing.B) {
	fake := benchFake(b)
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	resp, err := hc.Get(fake.URL + "/")
	if err != nil {
		b.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := regexp.MustCompile(`name="csrf-token" content="([^"]+)"`).FindSubmatch(page)[1]
	req, _ := http.NewRequest(http.MethodPost, fake.URL+"/api/v1/sessions.json",
		strings.NewReader(`{"session":{"email":"admin@example.com","password":"Administrator1!"}}`))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", string(tok))
	resp, err = hc.Do(req)
	if err != nil || resp.StatusCode != 200 {
		b.Fatal("sign in", err)
	}
	resp.Body.Close()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodGet, fake.URL+"/api/v1/rooms.json", nil)
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// BenchmarkRoomsClient is the same call through Client.Rooms (headers,
// limits, envelope and typed decoding).
func BenchmarkRoomsClient(b *testing.B) {
	fake := benchFake(b)
	c, err := greenlight.New(fake.URL)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.SignIn(ctx, greenlighttest.DefaultAdminEmail, greenlighttest.DefaultAdminPassword); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := c.Rooms(ctx, ""); err != nil {
			b.Fatal(err)
		}
	}
}
