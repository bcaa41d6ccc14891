package scalelitetest

import (
	"crypto/rand"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"

	"github.com/bbbkit/bbbkit/scalelite"
)

// tenantRegistry holds the tenants and which tenant created which meeting.
type tenantRegistry struct {
	mu       sync.RWMutex
	byID     map[string]scalelite.Tenant
	meetings map[string]string // meeting ID -> tenant ID
}

func (t *tenantRegistry) init() {
	t.byID = make(map[string]scalelite.Tenant)
	t.meetings = make(map[string]string)
}

// forHost returns the tenant named by the first DNS label of host.
func (t *tenantRegistry) forHost(host string) (scalelite.Tenant, bool) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	label, _, _ := strings.Cut(host, ".")
	if label == "" {
		return scalelite.Tenant{}, false
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, tn := range t.byID {
		if strings.EqualFold(tn.Name, label) {
			return tn, true
		}
	}
	return scalelite.Tenant{}, false
}

func (t *tenantRegistry) list() []scalelite.Tenant {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]scalelite.Tenant, 0, len(t.byID))
	for _, tn := range t.byID {
		out = append(out, tn)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (t *tenantRegistry) get(id string) (scalelite.Tenant, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	tn, ok := t.byID[id]
	return tn, ok
}

func (t *tenantRegistry) nameTakenLocked(name, exceptID string) bool {
	for id, tn := range t.byID {
		if id != exceptID && strings.EqualFold(tn.Name, name) {
			return true
		}
	}
	return false
}

// add stores a new tenant with a random id.
func (t *tenantRegistry) add(name string, secrets []string) (scalelite.Tenant, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.nameTakenLocked(name, "") {
		return scalelite.Tenant{}, fmt.Errorf("a tenant named %s exists", name)
	}
	tn := scalelite.Tenant{ID: rand.Text(), Name: name, Secrets: secrets}
	t.byID[tn.ID] = tn
	return tn, nil
}

// update changes a tenant; empty fields stay.
func (t *tenantRegistry) update(id, name string, secrets []string) (scalelite.Tenant, bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tn, ok := t.byID[id]
	if !ok {
		return scalelite.Tenant{}, false, nil
	}
	if name != "" {
		if t.nameTakenLocked(name, id) {
			return scalelite.Tenant{}, true, fmt.Errorf("a tenant named %s exists", name)
		}
		tn.Name = name
	}
	if len(secrets) > 0 {
		tn.Secrets = secrets
	}
	t.byID[id] = tn
	return tn, true, nil
}

func (t *tenantRegistry) remove(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.byID[id]; !ok {
		return false
	}
	delete(t.byID, id)
	return true
}

// owner returns the tenant that created a meeting, if this process knows.
func (t *tenantRegistry) owner(meetingID string) (string, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	id, ok := t.meetings[meetingID]
	return id, ok
}

func (t *tenantRegistry) setOwner(meetingID, tenantID string) {
	t.mu.Lock()
	t.meetings[meetingID] = tenantID
	t.mu.Unlock()
}

func (t *tenantRegistry) forget(meetingIDs ...string) {
	t.mu.Lock()
	for _, id := range meetingIDs {
		delete(t.meetings, id)
	}
	t.mu.Unlock()
}

// splitSecrets parses Scalelite's colon-separated secrets.
func splitSecrets(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ":") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
