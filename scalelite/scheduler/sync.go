package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ServerSpec is one server of a declared pool (SyncServers): what it should
// be. An empty State means enabled.
type ServerSpec struct {
	ID             string
	URL            string
	Secret         string
	Tag            string
	Site           string
	Capacity       float64
	LoadMultiplier float64 // 0 means 1
	State          State
}

// SyncMode says what SyncServers does with servers the pool does not list,
// like the modes of Scalelite's servers:sync.
type SyncMode string

// The modes of SyncServers.
const (
	SyncKeep   SyncMode = "keep"   // leave them as they are
	SyncCordon SyncMode = "cordon" // cordon them (the default): they drain and disable themselves
	SyncForce  SyncMode = "force"  // delete them, with their meeting mappings
)

// SyncChange is one change SyncServers made (or would make, in a dry run).
// It never holds a secret: a changed secret reads "secret".
type SyncChange struct {
	ServerID string
	// Action is "add", "update", "cordon" or "delete".
	Action string
	// Fields lists what an update changes, e.g. "state enabled",
	// "capacity 250", "secret".
	Fields []string
}

// String describes the change for a person.
func (c SyncChange) String() string {
	s := c.Action + " " + c.ServerID
	if len(c.Fields) > 0 {
		s += ": " + strings.Join(c.Fields, ", ")
	}
	return s
}

// SyncServers makes the store's servers match a declared pool: it adds the
// servers that are missing, updates those that differ (URL changes are not
// possible in place: such a server is reported as an error), and treats the
// servers not in the pool according to mode. With dryRun it changes nothing
// and returns what it would do. Invalid specs fail before any change.
func (s *Scheduler) SyncServers(ctx context.Context, pool []ServerSpec, mode SyncMode, dryRun bool) ([]SyncChange, error) {
	if mode == "" {
		mode = SyncCordon
	}
	if mode != SyncKeep && mode != SyncCordon && mode != SyncForce {
		return nil, &ValidationError{Field: "sync mode", Reason: "must be keep, cordon or force"}
	}
	if err := validatePool(pool); err != nil {
		return nil, err
	}
	have, err := s.cfg.store.Servers(ctx)
	if err != nil {
		return nil, err
	}
	changes, err := planSync(pool, have, mode)
	if err != nil || dryRun {
		return changes, err
	}
	byID := make(map[string]ServerSpec, len(pool))
	for _, sp := range pool {
		byID[sp.ID] = sp
	}
	for _, c := range changes {
		if err := s.applySync(ctx, c, byID[c.ServerID]); err != nil {
			return changes, fmt.Errorf("scheduler: sync %s: %w", c, err)
		}
	}
	return changes, nil
}

func validatePool(pool []ServerSpec) error {
	seen := make(map[string]bool, len(pool))
	for _, sp := range pool {
		if err := validID("server ID", sp.ID); err != nil {
			return err
		}
		if seen[sp.ID] {
			return &ValidationError{Field: "server ID", Reason: fmt.Sprintf("%q listed twice", sp.ID)}
		}
		seen[sp.ID] = true
		if sp.State != "" && !sp.State.Valid() {
			return &ValidationError{Field: "state of " + sp.ID, Reason: "must be enabled, cordoned or disabled"}
		}
		errs := []error{validURL(sp.URL), validTag(sp.Tag), validSite(sp.Site), validCapacity(sp.Capacity)}
		if sp.Secret == "" {
			errs = append(errs, &ValidationError{Field: "secret of " + sp.ID, Reason: "must not be empty"})
		}
		if sp.LoadMultiplier != 0 {
			errs = append(errs, validMultiplier(sp.LoadMultiplier))
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	return nil
}

// planSync lists the changes, in pool order then by ID for the others.
func planSync(pool []ServerSpec, have []Server, mode SyncMode) ([]SyncChange, error) {
	current := make(map[string]Server, len(have))
	for _, srv := range have {
		current[srv.ID] = srv
	}
	var changes []SyncChange
	for _, sp := range pool {
		srv, ok := current[sp.ID]
		if !ok {
			changes = append(changes, SyncChange{ServerID: sp.ID, Action: "add"})
			continue
		}
		if srv.URL != sp.URL {
			return nil, &ValidationError{Field: "url of " + sp.ID, Reason: "differs from the stored server's; delete it first"}
		}
		if f := specDiff(sp, srv); len(f) > 0 {
			changes = append(changes, SyncChange{ServerID: sp.ID, Action: "update", Fields: f})
		}
	}
	listed := func(id string) bool {
		return slices.ContainsFunc(pool, func(sp ServerSpec) bool { return sp.ID == id })
	}
	for _, srv := range have {
		switch {
		case listed(srv.ID) || mode == SyncKeep:
		case mode == SyncForce:
			changes = append(changes, SyncChange{ServerID: srv.ID, Action: "delete"})
		case srv.State == StateEnabled:
			changes = append(changes, SyncChange{ServerID: srv.ID, Action: "cordon"})
		}
	}
	return changes, nil
}

// specDiff lists the fields of srv that differ from sp.
func specDiff(sp ServerSpec, srv Server) []string {
	var f []string
	if st := specState(sp); st != srv.State {
		f = append(f, "state "+string(st))
	}
	if sp.Secret != srv.Secret {
		f = append(f, "secret")
	}
	if sp.Tag != srv.Tag {
		f = append(f, fmt.Sprintf("tag %q", sp.Tag))
	}
	if sp.Site != srv.Site {
		f = append(f, fmt.Sprintf("site %q", sp.Site))
	}
	if sp.Capacity != srv.Capacity {
		f = append(f, fmt.Sprintf("capacity %g", sp.Capacity))
	}
	if m := specMultiplier(sp); m != srv.LoadMultiplier {
		f = append(f, fmt.Sprintf("load multiplier %g", m))
	}
	return f
}

func specState(sp ServerSpec) State {
	if sp.State == "" {
		return StateEnabled
	}
	return sp.State
}

func specMultiplier(sp ServerSpec) float64 {
	if sp.LoadMultiplier == 0 {
		return 1
	}
	return sp.LoadMultiplier
}

func (s *Scheduler) applySync(ctx context.Context, c SyncChange, sp ServerSpec) error {
	switch c.Action {
	case "add":
		if _, err := s.AddServer(ctx, ServerConfig{ID: sp.ID, URL: sp.URL, Secret: sp.Secret, Tag: sp.Tag, Site: sp.Site,
			Capacity: sp.Capacity, LoadMultiplier: sp.LoadMultiplier}); err != nil {
			return err
		}
		if st := specState(sp); st != StateDisabled {
			_, err := s.SetState(ctx, sp.ID, st)
			return err
		}
		return nil
	case "update":
		st, m := specState(sp), specMultiplier(sp)
		_, err := s.UpdateServer(ctx, sp.ID, ServerUpdate{State: &st, Secret: &sp.Secret, Tag: &sp.Tag, Site: &sp.Site,
			Capacity: &sp.Capacity, LoadMultiplier: &m})
		return err
	case "cordon":
		_, err := s.SetState(ctx, c.ServerID, StateCordoned)
		return err
	case "delete":
		return s.DeleteServer(ctx, c.ServerID)
	}
	return nil
}
