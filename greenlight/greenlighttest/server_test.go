package greenlighttest_test

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/bbbkit/bbbkit/greenlight/greenlighttest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
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
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Panics(t, func() { greenlighttest.NewServer(tt.opt) })
		})
	}
}

// The contract shared with bbbtest and scalelitetest: New does not listen,
// Start does once, URL is the root, Client and GreenlightClient reach it.
func TestServerContract(t *testing.T) {
	t.Parallel()
	s, err := greenlighttest.New()
	require.NoError(t, err)
	assert.Empty(t, s.URL)
	s.Start()
	defer s.Close()
	assert.Panics(t, s.Start)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, s.URL)
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/api/v1/sessions.json", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	gl := s.GreenlightClient()
	_, err = gl.SignIn(context.Background(), greenlighttest.DefaultAdminEmail, greenlighttest.DefaultAdminPassword)
	require.NoError(t, err)
	assert.Equal(t, 1, s.SignIns())
}

func TestControls(t *testing.T) {
	t.Parallel()
	fixed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := greenlighttest.NewServer(greenlighttest.WithAdmin("Root", "root@example.com", "Root-Passw0rd"), greenlighttest.WithClock(func() time.Time { return fixed }))
	defer s.Close()

	_, err := s.AddUser("Dup", "ROOT@example.com", "Root-Passw0rd", greenlighttest.RoleUser)
	require.Error(t, err, "emails are unique regardless of case")
	_, err = s.AddUser("X", "x@example.com", "Root-Passw0rd", "Wizard")
	require.Error(t, err)
	_, err = s.AddUser("X", "x@example.com", "short", greenlighttest.RoleUser)
	require.Error(t, err)
	id, err := s.AddUser("X", "x@example.com", "X-Passw0rd!", greenlighttest.RoleUser)
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`), id)

	require.Error(t, s.SetRoomsConfiguration("record", "maybe"))
	require.Error(t, s.SetRoomsConfiguration("noSuch", "true"))
	require.NoError(t, s.SetRoomsConfiguration("record", "true"))
	_, err = s.AddRecording("aaa-bbb-ccc-ddd", "x", "Published", 1)
	require.Error(t, err)
	require.Error(t, s.EndMeeting("aaa-bbb-ccc-ddd"))
	assert.Equal(t, 0, s.RoomCount())
	assert.Equal(t, 0, s.SignIns())
}
