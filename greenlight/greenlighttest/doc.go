// Package greenlighttest is a fake Greenlight v3 API for tests, in the
// spirit of net/http/httptest.
//
// NewServer starts it on a loopback port with one administrator
// (DefaultAdminEmail / DefaultAdminPassword unless WithAdmin says otherwise).
// It keeps users, roles, rooms (friendly ids "xxx-xxx-xxx-xxx"), room
// settings and the administrator's rooms configuration, shared accesses,
// running meetings and recordings, and answers the same JSON envelopes
// ({"data": ...} on success, {"errors": ...} otherwise) and status codes as
// Greenlight's app/controllers/api/v1.
//
// It enforces the rules that trip scripts up against a real Greenlight:
//   - an /api/v1 path must end in ".json" and the request must accept
//     application/json, otherwise the answer is the single-page app's HTML;
//   - every write must carry the X-CSRF-Token of its cookie session, taken
//     from <meta name="csrf-token"> of the page (GET /);
//   - the session cookie (SessionCookie) only signs a user in while it
//     matches the user's current session token, which a new sign-in
//     replaces;
//   - PermissionsChecker's rules: role permissions (ManageUsers,
//     ManageRooms, CreateRoom, SharedList, RoomLimit, ...), or the resource
//     being the user's own or shared with them; SuperAdmin passes all.
//
// Test controls simulate what happens around a script: ExpireSessions (the
// user signed in elsewhere), DropSessions (secret rotated: CSRF tokens and
// sessions gone), SetRoomsConfiguration, SetExternalAuth, AddUser,
// AddRecording, EndMeeting, and SignIns to count sign-ins.
//
// Differences from Greenlight worth knowing: join URLs point at the fake
// and are not signed; no BigBlueButton calls are made; guestPolicy and
// boolean settings are validated (Greenlight stores any string); a refused
// CSRF token is answered 422 "InvalidAuthenticityToken" unless
// WithCSRFFailureStatus(500) asks for Greenlight's generic 500.
package greenlighttest
