package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bbbkit/bbbkit/greenlight"
)

// action is one change the plan makes.
type action struct {
	desc  string
	apply func(ctx context.Context) (changed bool, err error)
}

// plan is what provisioning would do against the current Greenlight state.
type plan struct {
	actions   []action
	notes     []string // differences left alone
	conflicts []string // rows that cannot be applied
}

// world is the Greenlight state the plan reads and the actions update.
type world struct {
	gl             *greenlight.Client
	updateSettings bool
	roles          map[string]string            // role name -> id
	users          map[string]*greenlight.User  // email -> user
	names          map[string]int               // user name -> number of users with it
	rooms          map[string][]greenlight.Room // owner name + "\x00" + room name -> rooms
	created        map[string]string            // email + "\x00" + room -> friendly id (this run)
}

func roomKey(owner, room string) string { return owner + "\x00" + room }

// load reads users, roles and rooms through the admin API.
func load(ctx context.Context, gl *greenlight.Client, updateSettings bool) (*world, error) {
	w := &world{gl: gl, updateSettings: updateSettings, roles: map[string]string{}, users: map[string]*greenlight.User{},
		names: map[string]int{}, rooms: map[string][]greenlight.Room{}, created: map[string]string{}}
	roles, err := gl.Roles(ctx)
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	for _, r := range roles {
		w.roles[strings.ToLower(r.Name)] = r.ID
	}
	me, err := gl.CurrentUser(ctx)
	if err != nil {
		return nil, err
	}
	w.addUser(&me.User)
	for _, list := range []greenlight.UserList{greenlight.UsersVerified, greenlight.UsersUnverified} {
		for u, err := range gl.AllUsers(ctx, list, "") {
			if err != nil {
				return nil, fmt.Errorf("list users: %w", err)
			}
			w.addUser(&u)
		}
	}
	for r, err := range gl.AllServerRooms(ctx, "") {
		if err != nil {
			return nil, fmt.Errorf("list rooms: %w", err)
		}
		k := roomKey(r.Owner, r.Name)
		w.rooms[k] = append(w.rooms[k], r)
	}
	return w, nil
}

func (w *world) addUser(u *greenlight.User) {
	email := strings.ToLower(u.Email)
	if _, seen := w.users[email]; seen {
		return
	}
	w.users[email] = u
	w.names[u.Name]++
}

// makePlan compares the spec with the world.
func makePlan(ctx context.Context, w *world, s *spec) (*plan, error) {
	p := &plan{}
	newUsers := w.planUsers(p, s.users)
	for _, rm := range s.rooms {
		if err := w.planRoom(ctx, p, rm, newUsers); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// planUsers plans the users of the CSV and returns those it creates.
func (w *world) planUsers(p *plan, users []userRow) (newUsers map[string]bool) {
	newUsers = map[string]bool{}
	for _, u := range users {
		roleID := ""
		if u.role != "" {
			id, ok := w.roles[strings.ToLower(u.role)]
			if !ok {
				p.conflicts = append(p.conflicts, fmt.Sprintf("line %d: user %s: no role %q in Greenlight", u.line, u.email, u.role))
				continue
			}
			roleID = id
		}
		have, exists := w.users[u.email]
		if !exists {
			if u.password == "" {
				p.conflicts = append(p.conflicts, fmt.Sprintf("line %d: user %s does not exist and has no password to create it", u.line, u.email))
				continue
			}
			newUsers[u.email] = true
			p.actions = append(p.actions, w.createUserAction(u, roleID))
			continue
		}
		if have.Name != u.name {
			p.notes = append(p.notes, fmt.Sprintf("user %s: name is %q in Greenlight, %q in the CSV (left alone)", u.email, have.Name, u.name))
		}
		if u.role != "" && (have.Role == nil || !strings.EqualFold(have.Role.Name, u.role)) {
			cur := ""
			if have.Role != nil {
				cur = have.Role.Name
			}
			p.notes = append(p.notes, fmt.Sprintf("user %s: role is %q in Greenlight, %q in the CSV (left alone)", u.email, cur, u.role))
		}
	}
	return newUsers
}

// planRoom plans one room of the CSV; newUsers are the users this plan
// creates.
func (w *world) planRoom(ctx context.Context, p *plan, rm roomRow, newUsers map[string]bool) error {
	known := func(email string) bool { return w.users[email] != nil || newUsers[email] }
	label := fmt.Sprintf("%q (%s)", rm.name, rm.owner)
	if !known(rm.owner) {
		p.conflicts = append(p.conflicts, fmt.Sprintf("line %d: room %s: owner is neither in Greenlight nor in the CSV", rm.line, label))
		return nil
	}
	var missing []string
	for _, e := range rm.sharedWith {
		if !known(e) {
			missing = append(missing, e)
		}
	}
	if len(missing) > 0 {
		p.conflicts = append(p.conflicts, fmt.Sprintf("line %d: room %s: cannot share with unknown users %s", rm.line, label, strings.Join(missing, ", ")))
		return nil
	}
	if newUsers[rm.owner] {
		// The owner is created in this run: Greenlight may give them a
		// default room with this name; the action checks at apply time.
		w.planNewRoom(p, rm, label)
		return nil
	}
	owner := w.users[rm.owner]
	if w.names[owner.Name] > 1 {
		p.conflicts = append(p.conflicts, fmt.Sprintf("line %d: room %s: %d users are named %q, so their rooms cannot be told apart (left alone)", rm.line, label, w.names[owner.Name], owner.Name))
		return nil
	}
	matches := w.rooms[roomKey(owner.Name, rm.name)]
	switch len(matches) {
	case 0:
		w.planNewRoom(p, rm, label)
		return nil
	case 1:
	default:
		p.conflicts = append(p.conflicts, fmt.Sprintf("line %d: room %s: %d rooms have this name (left alone)", rm.line, label, len(matches)))
		return nil
	}
	fid := matches[0].FriendlyID
	w.created[roomKey(rm.owner, rm.name)] = fid
	return w.planExisting(ctx, p, rm, label, fid)
}

// planNewRoom plans creating a room with its settings and shares.
func (w *world) planNewRoom(p *plan, rm roomRow, label string) {
	p.actions = append(p.actions, w.createRoomAction(rm, label))
	p.actions = append(p.actions, w.settingActions(rm, label, nil)...)
	if len(rm.sharedWith) > 0 {
		p.actions = append(p.actions, w.shareAction(rm, label, rm.sharedWith))
	}
}

// planExisting compares an existing room's settings and shares.
func (w *world) planExisting(ctx context.Context, p *plan, rm roomRow, label, fid string) error {
	settings, err := w.gl.GetRoomSettings(ctx, fid)
	if err != nil {
		return fmt.Errorf("room %s: %w", label, err)
	}
	acts := w.settingActions(rm, label, settings)
	if w.updateSettings {
		p.actions = append(p.actions, acts...)
	} else {
		for _, a := range acts {
			p.notes = append(p.notes, strings.TrimPrefix(a.desc, "set ")+" differs (left alone; -update-settings applies it)")
		}
	}
	shared, err := w.gl.SharedUsers(ctx, fid)
	if err != nil {
		return fmt.Errorf("room %s: %w", label, err)
	}
	have := map[string]bool{}
	for _, su := range shared {
		have[su.ID] = true
	}
	var add []string
	for _, e := range rm.sharedWith {
		if u := w.users[e]; u == nil || !have[u.ID] {
			add = append(add, e)
		}
	}
	if len(add) > 0 {
		p.actions = append(p.actions, w.shareAction(rm, label, add))
	}
	wanted := map[string]bool{}
	for _, e := range rm.sharedWith {
		if u := w.users[e]; u != nil {
			wanted[u.ID] = true
		}
	}
	var extra []string
	for _, su := range shared {
		if !wanted[su.ID] {
			extra = append(extra, su.Name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		p.notes = append(p.notes, fmt.Sprintf("room %s is also shared with %s (left alone)", label, strings.Join(extra, ", ")))
	}
	return nil
}

func (w *world) createUserAction(u userRow, roleID string) action {
	desc := fmt.Sprintf("create user %s (%s", u.email, u.name)
	if u.role != "" {
		desc += ", role " + u.role
	}
	desc += ")"
	return action{desc: desc, apply: func(ctx context.Context) (bool, error) {
		created, err := w.gl.CreateUser(ctx, greenlight.NewUser{Name: u.name, Email: u.email, Password: u.password, RoleID: roleID})
		if err != nil {
			return false, err
		}
		// Some Greenlight releases ignore role_id on creation: set it after.
		if roleID != "" && (created.Role == nil || created.Role.ID != roleID) {
			if err := w.gl.UpdateUser(ctx, created.ID, greenlight.UserUpdate{RoleID: &roleID}); err != nil {
				return true, fmt.Errorf("set role: %w", err)
			}
		}
		w.addUser(created)
		return true, nil
	}}
}

// findRoom looks a room up at apply time (a new user may have received a
// default room with the wanted name).
func (w *world) findRoom(ctx context.Context, ownerName, name string) ([]greenlight.Room, error) {
	var out []greenlight.Room
	for r, err := range w.gl.AllServerRooms(ctx, name) {
		if err != nil {
			return nil, err
		}
		if r.Owner == ownerName && r.Name == name {
			out = append(out, r)
		}
	}
	return out, nil
}

func (w *world) createRoomAction(rm roomRow, label string) action {
	return action{desc: "create room " + label, apply: func(ctx context.Context) (bool, error) {
		owner := w.users[rm.owner]
		if owner == nil {
			return false, errors.New("owner was not created")
		}
		existing, err := w.findRoom(ctx, owner.Name, rm.name)
		if err != nil {
			return false, err
		}
		if len(existing) == 1 { // for example the new user's default room
			w.created[roomKey(rm.owner, rm.name)] = existing[0].FriendlyID
			return false, nil
		}
		fid, err := w.gl.CreateRoom(ctx, rm.name, owner.ID)
		if err != nil {
			return false, err
		}
		if fid == "" { // older Greenlight: look the new room up
			found, err := w.findRoom(ctx, owner.Name, rm.name)
			if err != nil {
				return true, err
			}
			if len(found) != 1 {
				return true, fmt.Errorf("created, but %d rooms now have this name", len(found))
			}
			fid = found[0].FriendlyID
		}
		w.created[roomKey(rm.owner, rm.name)] = fid
		return true, nil
	}}
}

// settingActions returns the changes needed to reach the wanted settings;
// have is nil for a room not created yet (compared at apply time).
func (w *world) settingActions(rm roomRow, label string, have greenlight.RoomSettings) []action {
	var out []action
	for _, name := range rm.order {
		want := rm.settings[name]
		if have != nil && settingSatisfied(have, name, want) {
			continue
		}
		out = append(out, action{desc: fmt.Sprintf("set %s=%s on %s", name, want, label), apply: func(ctx context.Context) (bool, error) {
			fid := w.created[roomKey(rm.owner, rm.name)]
			if fid == "" {
				return false, errors.New("room was not created")
			}
			cur, err := w.gl.GetRoomSettings(ctx, fid)
			if err != nil {
				return false, err
			}
			if settingSatisfied(cur, name, want) {
				return false, nil
			}
			return true, w.gl.UpdateRoomSetting(ctx, fid, name, want)
		}})
	}
	return out
}

// settingSatisfied compares one setting; for access codes "true" means
// "some code exists" since Greenlight generates codes.
func settingSatisfied(have greenlight.RoomSettings, name, want string) bool {
	v, ok := have[name]
	if !ok {
		return false
	}
	if name == greenlight.SettingViewerAccessCode || name == greenlight.SettingModeratorAccessCode {
		return (v != "") == (want == "true")
	}
	return v == want
}

func (w *world) shareAction(rm roomRow, label string, emails []string) action {
	return action{desc: fmt.Sprintf("share %s with %s", label, strings.Join(emails, ", ")), apply: func(ctx context.Context) (bool, error) {
		fid := w.created[roomKey(rm.owner, rm.name)]
		if fid == "" {
			return false, errors.New("room was not created")
		}
		var ids []string
		for _, e := range emails {
			u := w.users[e]
			if u == nil {
				return false, fmt.Errorf("user %s was not created", e)
			}
			ids = append(ids, u.ID)
		}
		return true, w.gl.ShareRoom(ctx, fid, ids...)
	}}
}

// print writes the plan.
func (p *plan) print(out io.Writer) {
	for _, a := range p.actions {
		fmt.Fprintln(out, "+", a.desc)
	}
	for _, n := range p.notes {
		fmt.Fprintln(out, "~", n)
	}
	for _, c := range p.conflicts {
		fmt.Fprintln(out, "!", c)
	}
	fmt.Fprintf(out, "plan: %d changes, %d differences left alone, %d conflicts\n", len(p.actions), len(p.notes), len(p.conflicts))
}

// apply runs the actions in order and stops at the first failure. It
// returns how many actions changed something (an action whose target was
// already reached when it ran, such as a setting at its default, does not).
func (p *plan) apply(ctx context.Context, out io.Writer) (int, error) {
	changed := 0
	for i, a := range p.actions {
		did, err := a.apply(ctx)
		if err != nil {
			return changed, fmt.Errorf("step %d/%d (%s): %w", i+1, len(p.actions), a.desc, err)
		}
		if did {
			changed++
			fmt.Fprintln(out, "done:", a.desc)
		} else {
			fmt.Fprintln(out, "already so:", a.desc)
		}
	}
	return changed, nil
}
