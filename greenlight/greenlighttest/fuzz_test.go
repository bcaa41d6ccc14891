package greenlighttest_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/greenlight/greenlighttest"
)

var tokenRe = regexp.MustCompile(`name="csrf-token" content="([^"]+)"`)

// FuzzServeHTTP sends arbitrary API requests from a signed-in admin session
// and checks that the fake answers a JSON envelope or the HTML app, never
// panics, and never echoes the admin password.
func FuzzServeHTTP(f *testing.F) {
	s := greenlighttest.NewServer()
	defer s.Close()

	page := httptest.NewRecorder()
	s.ServeHTTP(page, httptest.NewRequest(http.MethodGet, "/", nil))
	cookies := page.Result().Cookies()
	m := tokenRe.FindStringSubmatch(page.Body.String())
	if m == nil || len(cookies) == 0 {
		f.Fatal("no session")
	}
	send := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "/", strings.NewReader(body))
		req.URL.Path = path
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-CSRF-Token", m[1])
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec
	}
	if rec := send(http.MethodPost, "/api/v1/sessions.json", `{"session":{"email":"admin@example.com","password":"Administrator1!"}}`); rec.Code != http.StatusOK {
		f.Fatalf("sign in: %d", rec.Code)
	}

	f.Add(uint8(1), "/api/v1/rooms.json", `{"room":{"name":"x","user_id":"y"}}`)
	f.Add(uint8(2), "/api/v1/room_settings/abc-def-ghi-jkl.json", `{"room_setting":{"settingName":"record","settingValue":true}}`)
	f.Add(uint8(1), "/api/v1/shared_accesses.json", `{"friendly_id":1,"shared_users":"x"}`)
	f.Add(uint8(0), "/api/v1/admin/users/verified.json?page=-3", ``)
	f.Add(uint8(1), "/api/v1/users.json", `{"user":{"name":"A","email":"a@b","password":"Aa1!aaaa","role_id":5}}`)
	f.Add(uint8(1), "/api/v1/meetings/abc-def-ghi-jkl/status.json", `[]`)
	methods := []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete}
	f.Fuzz(func(t *testing.T, mi uint8, path, body string) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		rec := send(methods[int(mi)%len(methods)], path, body)
		ct := rec.Header().Get("Content-Type")
		if !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "text/html") && rec.Code != http.StatusNotFound {
			t.Fatalf("%s: status %d type %q", path, rec.Code, ct)
		}
		if strings.Contains(rec.Body.String(), greenlighttest.DefaultAdminPassword) {
			t.Fatal("password in the answer")
		}
	})
}
