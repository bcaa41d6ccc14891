package greenlighttest_test

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bbbkit/bbbkit/greenlight/greenlighttest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// expectPanic reports an error unless f panics; what names the call.
func expectPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		if recover() == nil {
			t.Errorf("%s did not panic; want a panic", what)
		}
	}()
	f()
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opt  greenlighttest.Option
	}{
		{"weak admin password", greenlighttest.WithAdmin("A", "a@example.com", "weak")},
		{"zero page size", greenlighttest.WithPageSize(0)},
		{"csrf status 418", greenlighttest.WithCSRFFailureStatus(http.StatusTeapot)},
		{"nil clock", greenlighttest.WithClock(nil)},
		{"nil option", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := greenlighttest.New(tt.opt)
			if err == nil {
				t.Fatal("New(opt) = nil error; want an error")
			}
			if s != nil {
				t.Errorf("New(opt) = %p, %v; want a nil server", s, err)
			}
			expectPanic(t, "NewServer(opt)", func() { greenlighttest.NewServer(tt.opt) })
		})
	}
}

var (
	rootURLPattern = regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`)
	uuidV4Pattern  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

// The contract shared with bbbtest and scalelitetest: New does not listen,
// Start does once, URL is the root, Client and GreenlightClient reach it.
func TestServerContract(t *testing.T) {
	t.Parallel()
	s, err := greenlighttest.New()
	if err != nil {
		t.Fatalf("New(): %v", err)
	}
	if s.URL != "" {
		t.Errorf("URL before Start = %q; want empty", s.URL)
	}
	s.Start()
	defer s.Close()
	expectPanic(t, "a second Start()", s.Start)
	if !rootURLPattern.MatchString(s.URL) {
		t.Errorf("URL = %q; want a match for %s", s.URL, rootURLPattern)
	}
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/api/v1/sessions.json", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("GET /api/v1/sessions.json: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /api/v1/sessions.json status = %d; want %d", resp.StatusCode, http.StatusOK)
	}
	gl := s.GreenlightClient()
	_, err = gl.SignIn(context.Background(), greenlighttest.DefaultAdminEmail, greenlighttest.DefaultAdminPassword)
	if err != nil {
		t.Fatalf("GreenlightClient().SignIn(%q): %v", greenlighttest.DefaultAdminEmail, err)
	}
	if got := s.SignIns(); got != 1 {
		t.Errorf("SignIns() = %d; want 1", got)
	}
}

func TestControls(t *testing.T) {
	t.Parallel()
	fixed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := greenlighttest.NewServer(greenlighttest.WithAdmin("Root", "root@example.com", "Root-Passw0rd"), greenlighttest.WithClock(func() time.Time { return fixed }))
	defer s.Close()

	_, err := s.AddUser("Dup", "ROOT@example.com", "Root-Passw0rd", greenlighttest.RoleUser)
	if err == nil {
		t.Fatalf("AddUser(%q) = nil error; want an error: emails are unique regardless of case", "ROOT@example.com")
	}
	_, err = s.AddUser("X", "x@example.com", "Root-Passw0rd", "Wizard")
	if err == nil {
		t.Fatalf("AddUser with role %q = nil error; want an error", "Wizard")
	}
	_, err = s.AddUser("X", "x@example.com", "short", greenlighttest.RoleUser)
	if err == nil {
		t.Fatalf("AddUser with password %q = nil error; want an error", "short")
	}
	id, err := s.AddUser("X", "x@example.com", "X-Passw0rd!", greenlighttest.RoleUser)
	if err != nil {
		t.Fatalf("AddUser(%q): %v", "x@example.com", err)
	}
	if !uuidV4Pattern.MatchString(id) {
		t.Errorf("AddUser(%q) = %q; want a match for %s", "x@example.com", id, uuidV4Pattern)
	}

	if err := s.SetRoomsConfiguration("record", "maybe"); err == nil {
		t.Fatalf("SetRoomsConfiguration(%q, %q) = nil error; want an error", "record", "maybe")
	}
	if err := s.SetRoomsConfiguration("noSuch", "true"); err == nil {
		t.Fatalf("SetRoomsConfiguration(%q, %q) = nil error; want an error", "noSuch", "true")
	}
	if err := s.SetRoomsConfiguration("record", "true"); err != nil {
		t.Fatalf("SetRoomsConfiguration(%q, %q): %v", "record", "true", err)
	}
	_, err = s.AddRecording("aaa-bbb-ccc-ddd", "x", "Published", 1)
	if err == nil {
		t.Fatalf("AddRecording(%q) for a missing room = nil error; want an error", "aaa-bbb-ccc-ddd")
	}
	if err := s.EndMeeting("aaa-bbb-ccc-ddd"); err == nil {
		t.Fatalf("EndMeeting(%q) for a missing room = nil error; want an error", "aaa-bbb-ccc-ddd")
	}
	if got := s.RoomCount(); got != 0 {
		t.Errorf("RoomCount() = %d; want 0", got)
	}
	if got := s.SignIns(); got != 0 {
		t.Errorf("SignIns() = %d; want 0", got)
	}
}
