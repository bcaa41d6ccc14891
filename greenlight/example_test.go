package greenlight_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/bbbkit/bbbkit/greenlight"
	"github.com/bbbkit/bbbkit/greenlight/greenlighttest"
)

// Sign in as an administrator, create a user and a room for them, set the
// room's settings and share it.
func Example() {
	fake := greenlighttest.NewServer() // stands in for https://gl.example.com
	defer fake.Close()
	ctx := context.Background()

	gl, err := greenlight.New(fake.URL)
	if err != nil {
		log.Fatal(err)
	}
	admin, err := gl.SignIn(ctx, greenlighttest.DefaultAdminEmail, greenlighttest.DefaultAdminPassword)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed in as", admin.Name, "- can manage users:", admin.Can("ManageUsers"))

	alice, err := gl.CreateUser(ctx, greenlight.NewUser{Name: "Alice", Email: "alice@example.com", Password: "Alice-Passw0rd"})
	if err != nil {
		log.Fatal(err)
	}
	bob, err := gl.CreateUser(ctx, greenlight.NewUser{Name: "Bob", Email: "bob@example.com", Password: "Bob-Passw0rd!"})
	if err != nil {
		log.Fatal(err)
	}
	room, err := gl.CreateRoom(ctx, "Biology 101", alice.ID)
	if err != nil {
		log.Fatal(err)
	}
	if err := gl.SetRoomBool(ctx, room, greenlight.SettingRecord, true); err != nil {
		log.Fatal(err)
	}
	if err := gl.UpdateRoomSetting(ctx, room, greenlight.SettingGuestPolicy, greenlight.GuestAskModerator); err != nil {
		log.Fatal(err)
	}
	if err := gl.ShareRoom(ctx, room, bob.ID); err != nil {
		log.Fatal(err)
	}
	settings, err := gl.GetRoomSettings(ctx, room)
	if err != nil {
		log.Fatal(err)
	}
	shared, err := gl.SharedUsers(ctx, room)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("record:", settings[greenlight.SettingRecord], "guests:", settings[greenlight.SettingGuestPolicy])
	fmt.Println("shared with:", shared[0].Name)

	// Greenlight refuses a second account with the same email.
	_, err = gl.CreateUser(ctx, greenlight.NewUser{Name: "Alice 2", Email: "alice@example.com", Password: "Alice-Passw0rd"})
	var apiErr *greenlight.APIError
	if errors.As(err, &apiErr) && errors.Is(err, greenlight.ErrInvalid) {
		fmt.Println("duplicate:", apiErr.Codes)
	}
	// Output:
	// signed in as Administrator - can manage users: true
	// record: true guests: ASK_MODERATOR
	// shared with: Bob
	// duplicate: [EmailAlreadyExists]
}

// When the session expires (the same account signed in elsewhere), the
// client signs in again once and repeats the call.
func ExampleClient_SignIn() {
	fake := greenlighttest.NewServer()
	defer fake.Close()
	ctx := context.Background()

	gl, err := greenlight.New(fake.URL)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := gl.SignIn(ctx, greenlighttest.DefaultAdminEmail, greenlighttest.DefaultAdminPassword); err != nil {
		log.Fatal(err)
	}
	fake.ExpireSessions()
	me, err := gl.CurrentUser(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.Email, "sign-ins:", fake.SignIns())
	// Output: admin@example.com sign-ins: 2
}

func ExampleValidFriendlyID() {
	fmt.Println(greenlight.ValidFriendlyID("abc-def-ghi-jkl"), greenlight.ValidFriendlyID("../admin"))
	// Output: true false
}
