package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/greenlight"
	"github.com/bbbkit/bbbkit/greenlight/greenlighttest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

// withLookupEnv is a context under which run sees lookupEnv as its
// environment.
func withLookupEnv(lookupEnv func(string) (string, bool)) context.Context {
	return cli.WithGetenv(context.Background(), func(k string) string {
		v, _ := lookupEnv(k)
		return v
	})
}

var adminEnv = env(map[string]string{"GREENLIGHT_PASSWORD": greenlighttest.DefaultAdminPassword, "ALICE_PW": "Alice-Passw0rd!"})

func runProvision(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	// A high rate keeps the suite fast; the default (10/s) is for real servers.
	code := run(withLookupEnv(adminEnv), append([]string{"-rate", "10000"}, args...), nil, &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeCSV(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.csv")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

func TestEmbeddedFakeByDefault(t *testing.T) {
	t.Parallel()
	code, out, _ := runProvision(t)
	require.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "applied 21 changes; 0 remain")
}

func TestApplyTwiceIsNoOp(t *testing.T) {
	t.Parallel()
	fake := greenlighttest.NewServer()
	defer fake.Close()
	args := []string{"-url", fake.URL, "-email", greenlighttest.DefaultAdminEmail}

	code, out, logs := runProvision(t, append(args, "-dry-run")...)
	require.Equal(t, exitOK, code, out+logs)
	assert.Contains(t, out, "plan: 23 changes, 0 differences left alone, 0 conflicts")
	assert.Equal(t, 0, fake.RoomCount(), "dry run changes nothing")

	code, out, logs = runProvision(t, args...)
	require.Equal(t, exitOK, code, out+logs)
	assert.Contains(t, out, "0 remain")
	rooms := fake.RoomCount()
	assert.Equal(t, 8, rooms) // 5 in the CSV + default rooms of alice, bob, carol

	code, out, logs = runProvision(t, args...)
	require.Equal(t, exitOK, code, out+logs)
	assert.Contains(t, out, "plan: 0 changes, 0 differences left alone, 0 conflicts")
	assert.Contains(t, out, "applied 0 changes; 0 remain")
	assert.Equal(t, rooms, fake.RoomCount())
	assert.NotContains(t, out+logs, greenlighttest.DefaultAdminPassword)
	assert.NotContains(t, out+logs, "Alice-Passw0rd!")

	// Check the result through the client.
	ctx := context.Background()
	gl, err := greenlight.New(fake.URL)
	require.NoError(t, err)
	_, err = gl.SignIn(ctx, "alice@example.com", "Alice-Passw0rd!")
	require.NoError(t, err)
	mine, err := gl.Rooms(ctx, "Biology 101")
	require.NoError(t, err)
	require.Len(t, mine, 1)
	s, err := gl.GetRoomSettings(ctx, mine[0].FriendlyID)
	require.NoError(t, err)
	assert.Equal(t, "true", s[greenlight.SettingRecord])
	assert.Equal(t, greenlight.GuestAskModerator, s[greenlight.SettingGuestPolicy])
	shared, err := gl.SharedUsers(ctx, mine[0].FriendlyID)
	require.NoError(t, err)
	assert.Len(t, shared, 2)
	office, err := gl.Rooms(ctx, "Office Hours")
	require.NoError(t, err)
	require.Len(t, office, 1)
	s, err = gl.GetRoomSettings(ctx, office[0].FriendlyID)
	require.NoError(t, err)
	assert.Len(t, s.Code(greenlight.ViewerCode), 6)
	staff, err := gl.Rooms(ctx, "Staff Meeting")
	require.NoError(t, err)
	require.Len(t, staff, 1, "shared with alice")
	assert.Equal(t, "Carol Ortiz", staff[0].SharedOwner)
}

func TestDifferencesAreReportedAndLeftAlone(t *testing.T) {
	t.Parallel()
	fake := greenlighttest.NewServer()
	defer fake.Close()
	args := []string{"-url", fake.URL, "-email", greenlighttest.DefaultAdminEmail}
	code, out, logs := runProvision(t, args...)
	require.Equal(t, exitOK, code, out+logs)

	// Someone changes things in Greenlight by hand.
	ctx := context.Background()
	gl, err := greenlight.New(fake.URL)
	require.NoError(t, err)
	_, err = gl.SignIn(ctx, "alice@example.com", "Alice-Passw0rd!")
	require.NoError(t, err)
	rooms, err := gl.Rooms(ctx, "Biology 101")
	require.NoError(t, err)
	fid := rooms[0].FriendlyID
	require.NoError(t, gl.SetRoomBool(ctx, fid, greenlight.SettingRecord, false))
	shared, err := gl.SharedUsers(ctx, fid)
	require.NoError(t, err)
	for _, u := range shared {
		if u.Name == "Bob Stone" {
			require.NoError(t, gl.UnshareRoom(ctx, fid, u.ID))
		}
	}
	_, err = fake.AddUser("Eve", "eve@example.com", "Eve-Passw0rd!", greenlighttest.RoleUser)
	require.NoError(t, err)
	admin, err := greenlight.New(fake.URL)
	require.NoError(t, err)
	_, err = admin.SignIn(ctx, greenlighttest.DefaultAdminEmail, greenlighttest.DefaultAdminPassword)
	require.NoError(t, err)
	eve, _, err := admin.ListUsers(ctx, greenlight.UsersVerified, "eve@", 1)
	require.NoError(t, err)
	require.Len(t, eve, 1)
	require.NoError(t, gl.ShareRoom(ctx, fid, eve[0].ID))

	code, out, logs = runProvision(t, append(args, "-dry-run")...)
	require.Equal(t, exitOK, code, out+logs)
	assert.Contains(t, out, `+ share "Biology 101" (alice@example.com) with bob@example.com`)
	assert.Contains(t, out, `~ record=true on "Biology 101" (alice@example.com) differs (left alone; -update-settings applies it)`)
	assert.Contains(t, out, `~ room "Biology 101" (alice@example.com) is also shared with Eve (left alone)`)
	assert.Contains(t, out, "plan: 1 changes, 2 differences left alone, 0 conflicts")

	code, out, logs = runProvision(t, append(args, "-update-settings")...)
	require.Equal(t, exitOK, code, out+logs)
	assert.Contains(t, out, "applied 2 changes; 0 remain")
	s, err := gl.GetRoomSettings(ctx, fid)
	require.NoError(t, err)
	assert.Equal(t, "true", s[greenlight.SettingRecord])
}

func TestConflicts(t *testing.T) {
	t.Parallel()
	fake := greenlighttest.NewServer()
	defer fake.Close()
	// Two users named the same: their rooms cannot be told apart.
	_, err := fake.AddUser("Sam", "sam1@example.com", "Sam-Passw0rd!", greenlighttest.RoleUser)
	require.NoError(t, err)
	_, err = fake.AddUser("Sam", "sam2@example.com", "Sam-Passw0rd!", greenlighttest.RoleUser)
	require.NoError(t, err)
	csv := writeCSV(t, `kind,email,name,password,role,room,settings,shared_with
user,new@example.com,New,,,,,
user,wiz@example.com,Wiz,Wiz-Passw0rd!,Wizard,,,
room,sam1@example.com,,,,Sam's Room,,
room,ghost@example.com,,,,Haunted,,
room,admin@example.com,,,,Admin Room,,nobody@example.com
room,admin@example.com,,,,Fine Room,record=true,sam2@example.com
`)
	code, out, logs := runProvision(t, "-url", fake.URL, "-email", greenlighttest.DefaultAdminEmail, "-csv", csv)
	require.Equal(t, exitFailed, code, out+logs)
	for _, want := range []string{
		"! line 2: user new@example.com does not exist and has no password",
		`! line 3: user wiz@example.com: no role "Wizard"`,
		`! line 4: room "Sam's Room" (sam1@example.com): 2 users are named "Sam"`,
		`! line 5: room "Haunted" (ghost@example.com): owner is neither in Greenlight nor in the CSV`,
		`! line 6: room "Admin Room" (admin@example.com): cannot share with unknown users nobody@example.com`,
		`+ create room "Fine Room" (admin@example.com)`,
		"applied 3 changes; 0 remain",
	} {
		assert.Contains(t, out, want)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		csv  string
		args []string
		want string
		code int
	}{
		{"unknown column", "kind,email,colour\n", nil, `unknown column "colour"`, exitUsage},
		{"missing kind", "email\n", nil, `missing column "kind"`, exitUsage},
		{"bad kind", "kind,email\nrobot,a@example.com\n", nil, `line 2: kind must be user or room`, exitUsage},
		{"bad email", "kind,email,name\nuser,nope,N\n", nil, `line 2: invalid email "nope"`, exitUsage},
		{"no name", "kind,email\nuser,a@example.com\n", nil, "name is required", exitUsage},
		{"unset env", "kind,email,name,password\nuser,a@example.com,A,env:NOPE\n", nil, "environment variable NOPE is not set", exitUsage},
		{"duplicate user", "kind,email,name\nuser,a@example.com,A\nuser,A@example.com,B\n", nil, "line 3: user a@example.com is already listed on line 2", exitUsage},
		{"duplicate room", "kind,email,room\nroom,a@example.com,R\nroom,a@example.com,R\n", nil, "already listed on line 2", exitUsage},
		{"unknown setting", "kind,email,room,settings\nroom,a@example.com,R,colour=red\n", nil, `unknown setting "colour"`, exitUsage},
		{"bad setting value", "kind,email,room,settings\nroom,a@example.com,R,record=yes\n", nil, `bad value "yes" for record`, exitUsage},
		{"bad guest policy", "kind,email,room,settings\nroom,a@example.com,R,guestPolicy=SOMETIMES\n", nil, `bad value "SOMETIMES"`, exitUsage},
		{"setting without =", "kind,email,room,settings\nroom,a@example.com,R,record\n", nil, "is not name=value", exitUsage},
		{"url without email", "kind,email\n", []string{"-url", "http://127.0.0.1:1"}, "-email is required", exitUsage},
		{"stray argument", "kind,email\n", []string{"extra"}, "unexpected arguments", exitUsage},
		{"bad rate", "kind,email\n", []string{"-rate", "0"}, "-rate must be positive", exitUsage},
		{"unreachable", "kind,email\n", []string{"-url", "http://127.0.0.1:1", "-email", "a@example.com", "-timeout", "2s"}, "sign in", exitNoAccess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"-csv", writeCSV(t, tt.csv)}, tt.args...)
			code, out, logs := runProvision(t, args...)
			assert.Equal(t, tt.code, code, out+logs)
			assert.Contains(t, out+logs, tt.want)
		})
	}
}

func TestNonAdminIsRefused(t *testing.T) {
	t.Parallel()
	fake := greenlighttest.NewServer()
	defer fake.Close()
	_, err := fake.AddUser("Pat", "pat@example.com", "Pat-Passw0rd!", greenlighttest.RoleUser)
	require.NoError(t, err)
	var out, errOut bytes.Buffer
	code := run(withLookupEnv(env(map[string]string{"GREENLIGHT_PASSWORD": "Pat-Passw0rd!"})),
		[]string{"-url", fake.URL, "-email", "pat@example.com"}, nil, &out, &errOut)
	assert.Equal(t, exitNoAccess, code)
	assert.Contains(t, errOut.String(), "ManageUsers")
	assert.NotContains(t, errOut.String(), "Pat-Passw0rd!")

	code = run(withLookupEnv(env(map[string]string{"GREENLIGHT_PASSWORD": "Wrong-Passw0rd!"})),
		[]string{"-url", fake.URL, "-email", "pat@example.com"}, nil, &out, &errOut)
	assert.Equal(t, exitNoAccess, code)
	assert.False(t, strings.Contains(errOut.String(), "Wrong-Passw0rd!"))
}

// FuzzParseSpec checks that any CSV parses or fails without panic.
func FuzzParseSpec(f *testing.F) {
	f.Add(string(sampleCSV))
	f.Add("kind,email,settings\nroom,a@b,record=true;;x=\n")
	f.Add("kind,email\n\"unterminated\n")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := parseSpec(strings.NewReader(in), adminEnv)
		if err == nil && s == nil {
			t.Fatal("nil spec without error")
		}
	})
}
