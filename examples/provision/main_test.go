package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatalf("os.WriteFile(%q): %v", p, err)
	}
	return p
}

func TestEmbeddedFakeByDefault(t *testing.T) {
	t.Parallel()
	code, out, _ := runProvision(t)
	if code != exitOK {
		t.Fatalf("run() = %d; want %d\n%s", code, exitOK, out)
	}
	if want := "applied 21 changes; 0 remain"; !strings.Contains(out, want) {
		t.Errorf("run() output = %q; want it to contain %q", out, want)
	}
}

func TestApplyTwiceIsNoOp(t *testing.T) {
	t.Parallel()
	fake := greenlighttest.NewServer()
	defer fake.Close()
	args := []string{"-url", fake.URL, "-email", greenlighttest.DefaultAdminEmail}

	code, out, logs := runProvision(t, append(args, "-dry-run")...)
	if code != exitOK {
		t.Fatalf("run(-dry-run) = %d; want %d\n%s", code, exitOK, out+logs)
	}
	if want := "plan: 23 changes, 0 differences left alone, 0 conflicts"; !strings.Contains(out, want) {
		t.Errorf("run(-dry-run) output = %q; want it to contain %q", out, want)
	}
	if got := fake.RoomCount(); got != 0 {
		t.Errorf("RoomCount() after a dry run = %d; want 0: dry run changes nothing", got)
	}

	code, out, logs = runProvision(t, args...)
	if code != exitOK {
		t.Fatalf("run() = %d; want %d\n%s", code, exitOK, out+logs)
	}
	if want := "0 remain"; !strings.Contains(out, want) {
		t.Errorf("run() output = %q; want it to contain %q", out, want)
	}
	rooms := fake.RoomCount()
	if rooms != 8 { // 5 in the CSV + default rooms of alice, bob, carol
		t.Errorf("RoomCount() = %d; want 8", rooms)
	}

	code, out, logs = runProvision(t, args...)
	if code != exitOK {
		t.Fatalf("second run() = %d; want %d\n%s", code, exitOK, out+logs)
	}
	for _, want := range []string{
		"plan: 0 changes, 0 differences left alone, 0 conflicts",
		"applied 0 changes; 0 remain",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("second run() output = %q; want it to contain %q", out, want)
		}
	}
	if got := fake.RoomCount(); got != rooms {
		t.Errorf("RoomCount() after the second run = %d; want %d", got, rooms)
	}
	for _, secret := range []string{greenlighttest.DefaultAdminPassword, "Alice-Passw0rd!"} {
		if strings.Contains(out+logs, secret) {
			t.Errorf("second run() output and logs contain %q; want no password in them", secret)
		}
	}

	// Check the result through the client.
	ctx := context.Background()
	gl, err := greenlight.New(fake.URL)
	if err != nil {
		t.Fatalf("greenlight.New(%q): %v", fake.URL, err)
	}
	_, err = gl.SignIn(ctx, "alice@example.com", "Alice-Passw0rd!")
	if err != nil {
		t.Fatalf("SignIn(%q): %v", "alice@example.com", err)
	}
	mine, err := gl.Rooms(ctx, "Biology 101")
	if err != nil {
		t.Fatalf("Rooms(%q): %v", "Biology 101", err)
	}
	if len(mine) != 1 {
		t.Fatalf("len(Rooms(%q)) = %d; want 1", "Biology 101", len(mine))
	}
	s, err := gl.GetRoomSettings(ctx, mine[0].FriendlyID)
	if err != nil {
		t.Fatalf("GetRoomSettings(%q): %v", mine[0].FriendlyID, err)
	}
	if got := s[greenlight.SettingRecord]; got != "true" {
		t.Errorf("settings[%q] = %q; want %q", greenlight.SettingRecord, got, "true")
	}
	if got := s[greenlight.SettingGuestPolicy]; got != greenlight.GuestAskModerator {
		t.Errorf("settings[%q] = %q; want %q", greenlight.SettingGuestPolicy, got, greenlight.GuestAskModerator)
	}
	shared, err := gl.SharedUsers(ctx, mine[0].FriendlyID)
	if err != nil {
		t.Fatalf("SharedUsers(%q): %v", mine[0].FriendlyID, err)
	}
	if len(shared) != 2 {
		t.Errorf("len(SharedUsers(%q)) = %d; want 2", mine[0].FriendlyID, len(shared))
	}
	office, err := gl.Rooms(ctx, "Office Hours")
	if err != nil {
		t.Fatalf("Rooms(%q): %v", "Office Hours", err)
	}
	if len(office) != 1 {
		t.Fatalf("len(Rooms(%q)) = %d; want 1", "Office Hours", len(office))
	}
	s, err = gl.GetRoomSettings(ctx, office[0].FriendlyID)
	if err != nil {
		t.Fatalf("GetRoomSettings(%q): %v", office[0].FriendlyID, err)
	}
	if vc := s.Code(greenlight.ViewerCode); len(vc) != 6 {
		t.Errorf("Code(ViewerCode) = %q; want 6 characters", vc)
	}
	staff, err := gl.Rooms(ctx, "Staff Meeting")
	if err != nil {
		t.Fatalf("Rooms(%q): %v", "Staff Meeting", err)
	}
	if len(staff) != 1 {
		t.Fatalf("len(Rooms(%q)) = %d; want 1: shared with alice", "Staff Meeting", len(staff))
	}
	if staff[0].SharedOwner != "Carol Ortiz" {
		t.Errorf("Rooms(%q)[0].SharedOwner = %q; want %q", "Staff Meeting", staff[0].SharedOwner, "Carol Ortiz")
	}
}

func TestDifferencesAreReportedAndLeftAlone(t *testing.T) {
	t.Parallel()
	fake := greenlighttest.NewServer()
	defer fake.Close()
	args := []string{"-url", fake.URL, "-email", greenlighttest.DefaultAdminEmail}
	code, out, logs := runProvision(t, args...)
	if code != exitOK {
		t.Fatalf("run() = %d; want %d\n%s", code, exitOK, out+logs)
	}

	// Someone changes things in Greenlight by hand.
	ctx := context.Background()
	gl, err := greenlight.New(fake.URL)
	if err != nil {
		t.Fatalf("greenlight.New(%q): %v", fake.URL, err)
	}
	_, err = gl.SignIn(ctx, "alice@example.com", "Alice-Passw0rd!")
	if err != nil {
		t.Fatalf("SignIn(%q): %v", "alice@example.com", err)
	}
	rooms, err := gl.Rooms(ctx, "Biology 101")
	if err != nil {
		t.Fatalf("Rooms(%q): %v", "Biology 101", err)
	}
	fid := rooms[0].FriendlyID
	if err := gl.SetRoomBool(ctx, fid, greenlight.SettingRecord, false); err != nil {
		t.Fatalf("SetRoomBool(%q, %q, false): %v", fid, greenlight.SettingRecord, err)
	}
	shared, err := gl.SharedUsers(ctx, fid)
	if err != nil {
		t.Fatalf("SharedUsers(%q): %v", fid, err)
	}
	for _, u := range shared {
		if u.Name == "Bob Stone" {
			if err := gl.UnshareRoom(ctx, fid, u.ID); err != nil {
				t.Fatalf("UnshareRoom(%q, %q): %v", fid, u.ID, err)
			}
		}
	}
	_, err = fake.AddUser("Eve", "eve@example.com", "Eve-Passw0rd!", greenlighttest.RoleUser)
	if err != nil {
		t.Fatalf("fake.AddUser(%q): %v", "eve@example.com", err)
	}
	admin, err := greenlight.New(fake.URL)
	if err != nil {
		t.Fatalf("greenlight.New(%q): %v", fake.URL, err)
	}
	_, err = admin.SignIn(ctx, greenlighttest.DefaultAdminEmail, greenlighttest.DefaultAdminPassword)
	if err != nil {
		t.Fatalf("SignIn(%q): %v", greenlighttest.DefaultAdminEmail, err)
	}
	eve, _, err := admin.ListUsers(ctx, greenlight.UsersVerified, "eve@", 1)
	if err != nil {
		t.Fatalf("ListUsers(UsersVerified, %q, 1): %v", "eve@", err)
	}
	if len(eve) != 1 {
		t.Fatalf("len(ListUsers(UsersVerified, %q, 1)) = %d; want 1", "eve@", len(eve))
	}
	if err := gl.ShareRoom(ctx, fid, eve[0].ID); err != nil {
		t.Fatalf("ShareRoom(%q, eve): %v", fid, err)
	}

	code, out, logs = runProvision(t, append(args, "-dry-run")...)
	if code != exitOK {
		t.Fatalf("run(-dry-run) = %d; want %d\n%s", code, exitOK, out+logs)
	}
	for _, want := range []string{
		`+ share "Biology 101" (alice@example.com) with bob@example.com`,
		`~ record=true on "Biology 101" (alice@example.com) differs (left alone; -update-settings applies it)`,
		`~ room "Biology 101" (alice@example.com) is also shared with Eve (left alone)`,
		"plan: 1 changes, 2 differences left alone, 0 conflicts",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("run(-dry-run) output = %q; want it to contain %q", out, want)
		}
	}

	code, out, logs = runProvision(t, append(args, "-update-settings")...)
	if code != exitOK {
		t.Fatalf("run(-update-settings) = %d; want %d\n%s", code, exitOK, out+logs)
	}
	if want := "applied 2 changes; 0 remain"; !strings.Contains(out, want) {
		t.Errorf("run(-update-settings) output = %q; want it to contain %q", out, want)
	}
	s, err := gl.GetRoomSettings(ctx, fid)
	if err != nil {
		t.Fatalf("GetRoomSettings(%q): %v", fid, err)
	}
	if got := s[greenlight.SettingRecord]; got != "true" {
		t.Errorf("settings[%q] after -update-settings = %q; want %q", greenlight.SettingRecord, got, "true")
	}
}

func TestConflicts(t *testing.T) {
	t.Parallel()
	fake := greenlighttest.NewServer()
	defer fake.Close()
	// Two users named the same: their rooms cannot be told apart.
	_, err := fake.AddUser("Sam", "sam1@example.com", "Sam-Passw0rd!", greenlighttest.RoleUser)
	if err != nil {
		t.Fatalf("fake.AddUser(%q): %v", "sam1@example.com", err)
	}
	_, err = fake.AddUser("Sam", "sam2@example.com", "Sam-Passw0rd!", greenlighttest.RoleUser)
	if err != nil {
		t.Fatalf("fake.AddUser(%q): %v", "sam2@example.com", err)
	}
	csv := writeCSV(t, `kind,email,name,password,role,room,settings,shared_with
user,new@example.com,New,,,,,
user,wiz@example.com,Wiz,Wiz-Passw0rd!,Wizard,,,
room,sam1@example.com,,,,Sam's Room,,
room,ghost@example.com,,,,Haunted,,
room,admin@example.com,,,,Admin Room,,nobody@example.com
room,admin@example.com,,,,Fine Room,record=true,sam2@example.com
`)
	code, out, logs := runProvision(t, "-url", fake.URL, "-email", greenlighttest.DefaultAdminEmail, "-csv", csv)
	if code != exitFailed {
		t.Fatalf("run() = %d; want %d\n%s", code, exitFailed, out+logs)
	}
	for _, want := range []string{
		"! line 2: user new@example.com does not exist and has no password",
		`! line 3: user wiz@example.com: no role "Wizard"`,
		`! line 4: room "Sam's Room" (sam1@example.com): 2 users are named "Sam"`,
		`! line 5: room "Haunted" (ghost@example.com): owner is neither in Greenlight nor in the CSV`,
		`! line 6: room "Admin Room" (admin@example.com): cannot share with unknown users nobody@example.com`,
		`+ create room "Fine Room" (admin@example.com)`,
		"applied 3 changes; 0 remain",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("run() output = %q; want it to contain %q", out, want)
		}
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
			if code != tt.code {
				t.Errorf("run() = %d; want %d\n%s", code, tt.code, out+logs)
			}
			if !strings.Contains(out+logs, tt.want) {
				t.Errorf("run() output and logs = %q; want them to contain %q", out+logs, tt.want)
			}
		})
	}
}

func TestNonAdminIsRefused(t *testing.T) {
	t.Parallel()
	fake := greenlighttest.NewServer()
	defer fake.Close()
	_, err := fake.AddUser("Pat", "pat@example.com", "Pat-Passw0rd!", greenlighttest.RoleUser)
	if err != nil {
		t.Fatalf("fake.AddUser(%q): %v", "pat@example.com", err)
	}
	var out, errOut bytes.Buffer
	code := run(withLookupEnv(env(map[string]string{"GREENLIGHT_PASSWORD": "Pat-Passw0rd!"})),
		[]string{"-url", fake.URL, "-email", "pat@example.com"}, nil, &out, &errOut)
	if code != exitNoAccess {
		t.Errorf("run() as a non-admin = %d; want %d", code, exitNoAccess)
	}
	if !strings.Contains(errOut.String(), "ManageUsers") {
		t.Errorf("run() as a non-admin logs = %q; want them to contain %q", errOut.String(), "ManageUsers")
	}
	if strings.Contains(errOut.String(), "Pat-Passw0rd!") {
		t.Errorf("run() as a non-admin logs = %q; want no password in them", errOut.String())
	}

	code = run(withLookupEnv(env(map[string]string{"GREENLIGHT_PASSWORD": "Wrong-Passw0rd!"})),
		[]string{"-url", fake.URL, "-email", "pat@example.com"}, nil, &out, &errOut)
	if code != exitNoAccess {
		t.Errorf("run() with a wrong password = %d; want %d", code, exitNoAccess)
	}
	if strings.Contains(errOut.String(), "Wrong-Passw0rd!") {
		t.Errorf("run() with a wrong password logs = %q; want no password in them", errOut.String())
	}
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
