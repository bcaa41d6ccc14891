package greenlighttest_test

import (
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := greenlighttest.NewServer(tt.opt)
			require.Error(t, err)
			assert.Nil(t, s)
		})
	}
}

func TestControls(t *testing.T) {
	t.Parallel()
	fixed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s, err := greenlighttest.NewServer(greenlighttest.WithAdmin("Root", "root@example.com", "Root-Passw0rd"), greenlighttest.WithClock(func() time.Time { return fixed }))
	require.NoError(t, err)
	defer s.Close()

	_, err = s.AddUser("Dup", "ROOT@example.com", "Root-Passw0rd", greenlighttest.RoleUser)
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
