// Command provision creates Greenlight v3 users, rooms, room settings and
// shared access from a CSV file, idempotently, through package greenlight.
//
// Usage:
//
//	provision [-csv file] [-dry-run] [-update-settings]
//	provision -url https://gl.example.com -email admin@example.com [-password-env GREENLIGHT_PASSWORD] ...
//
// Without -url it starts an embedded fake Greenlight (greenlighttest) and
// applies the built-in sample, so it runs anywhere. With -url it signs in
// to a real Greenlight as an account with ManageUsers and ManageRooms; the
// password is read from the environment variable named by -password-env so
// it never appears in the process list.
//
// # CSV columns
//
// The first non-comment line is the header; columns may come in any order
// and lines starting with # are comments. Columns:
//
//	kind         "user" or "room"
//	email        user: the account's email; room: the owner's email
//	name         user: display name (required)
//	password     user: password for a new account (8+ characters with lower,
//	             upper, digit and symbol), or env:NAME to read it from the
//	             environment; ignored for existing accounts
//	role         user: role name such as User or Administrator (optional;
//	             empty means Greenlight's default role)
//	room         room: room name (required)
//	settings     room: name=value pairs separated by ";": record,
//	             muteOnStart, glAnyoneCanStart, glAnyoneJoinAsModerator,
//	             glRequireAuthentication, serverTagRequired (true/false),
//	             guestPolicy (ALWAYS_ACCEPT, ASK_MODERATOR, ALWAYS_DENY),
//	             serverTag (text), glViewerAccessCode and
//	             glModeratorAccessCode (true: the room has a code, generated
//	             by Greenlight; false: it has none)
//	shared_with  room: emails separated by ";" to share the room with
//
// Example:
//
//	kind,email,name,password,role,room,settings,shared_with
//	user,alice@example.com,Alice Doe,env:ALICE_PW,User,,,
//	room,alice@example.com,,,,Biology 101,record=true;guestPolicy=ASK_MODERATOR,bob@example.com
//
// # What it does
//
// It reads all users and rooms, prints the plan, and (without -dry-run)
// applies it in order, then plans again and reports what remains, which
// is nothing when all went well: a second run changes nothing.
//
//   - "+" lines are changes: missing users, missing rooms (identified by
//     owner and room name), settings of rooms it creates, missing shares.
//   - "~" lines are differences left alone: the name or role of an existing
//     user, settings of an existing room (unless -update-settings), shares
//     that exist in Greenlight but not in the CSV. Nothing is deleted or
//     renamed.
//   - "!" lines are conflicts that are skipped: unknown roles or share
//     users, a new user without password, several rooms with the wanted
//     name, or several users with the owner's name (Greenlight's admin room
//     list only names owners, so their rooms cannot be told apart).
//
// Exit status: 0 success, 1 a change failed, conflicts were found or
// changes remain, 2 bad flags or CSV, 3 Greenlight unreachable or the
// account cannot sign in or lacks the permissions.
package main
