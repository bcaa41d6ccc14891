// Command portal is a minimal meeting portal: a page listing rooms, where
// "Sign in and join" runs an OpenID Connect sign-in and lands the user in the
// BigBlueButton meeting with the role their groups give them.
//
// With no flags it runs fully offline: an embedded fake BBB server (bbbtest)
// and an embedded mock OpenID provider (mockoidc) with three demo users.
//
//	go run ./examples/portal
//	open http://localhost:8080/
//
// Against a real provider and BBB server:
//
//	OIDC_CLIENT_SECRET=... BBB_SECRET=... go run ./examples/portal \
//	  -addr :8080 -issuer https://login.uni.example/realms/staff \
//	  -client-id bbb-portal -redirect-url https://meet.uni.example/oidc/callback \
//	  -bbb-url https://bbb.uni.example/bigbluebutton/ -moderator-group /teachers
//
// The server's limits on clients (-read-header-timeout, -read-timeout,
// -write-timeout, -idle-timeout, -max-header-bytes, -max-body-readers,
// -shutdown-grace) are those of every bbbkit server program.
//
// Exit codes: 0 after a clean shutdown, 1 on a runtime failure, 2 on bad
// flags.
package main
