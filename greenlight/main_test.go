package greenlight_test

import (
	"context"
	"testing"

	"go.uber.org/goleak"

	"github.com/bbbkit/bbbkit/greenlight"
	"github.com/bbbkit/bbbkit/greenlight/greenlighttest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// env is a fake Greenlight with an admin client signed in.
type env struct {
	fake  *greenlighttest.Server
	admin *greenlight.Client
	me    *greenlight.CurrentUser
}

func newFake(t *testing.T, opts ...greenlighttest.Option) *greenlighttest.Server {
	t.Helper()
	fake := greenlighttest.NewServer(opts...)
	t.Cleanup(fake.Close)
	return fake
}

func newEnv(t *testing.T, opts ...greenlighttest.Option) *env {
	t.Helper()
	fake := newFake(t, opts...)
	c, me := signedIn(t, fake, greenlighttest.DefaultAdminEmail, greenlighttest.DefaultAdminPassword)
	return &env{fake: fake, admin: c, me: me}
}

func newClient(t *testing.T, fake *greenlighttest.Server, opts ...greenlight.Option) *greenlight.Client {
	t.Helper()
	c, err := greenlight.New(fake.URL, opts...)
	if err != nil {
		t.Fatalf("greenlight.New(%q): %v", fake.URL, err)
	}
	return c
}

func signedIn(t *testing.T, fake *greenlighttest.Server, email, password string) (*greenlight.Client, *greenlight.CurrentUser) {
	t.Helper()
	c := newClient(t, fake)
	me, err := c.SignIn(context.Background(), email, password)
	if err != nil {
		t.Fatalf("SignIn(%q): %v", email, err)
	}
	return c, me
}

// addUser creates a user on the fake and returns a client signed in as them.
func (e *env) addUser(t *testing.T, name, email, role string) (*greenlight.Client, string) {
	t.Helper()
	const pw = "Passw0rd!x"
	id, err := e.fake.AddUser(name, email, pw, role)
	if err != nil {
		t.Fatalf("AddUser(%q, %q, _, %q): %v", name, email, role, err)
	}
	c, _ := signedIn(t, e.fake, email, pw)
	return c, id
}
