package scheduler

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// MemoryStore is a Store that keeps everything in process memory. Pick costs
// O(log n) in the number of servers of the tag groups involved: accepting
// servers (enabled, online, not full) sit in one min-heap per tag and site,
// keyed by load.
type MemoryStore struct {
	mu       sync.Mutex
	servers  map[string]*memServer
	meetings map[string]*memMeeting
	groups   map[string]map[string]*loadHeap // tag ("" = untagged) -> site -> accepting servers
	lease    memLease
	tenants  map[string]Tenant
	// meetingTenants maps a meeting ID to the tenant that created it.
	meetingTenants map[string]string
	// scales is each site's ScaleHistory.
	scales map[string]ScaleHistory
}

// memLease is the poller lease; within one process it only matters when
// several Schedulers share the MemoryStore.
type memLease struct {
	holder  string
	token   int64
	expires time.Time
	fence   int64 // the last token handed out
}

type memServer struct {
	srv       Server
	healthy   int
	unhealthy int
	meetings  map[string]*memMeeting
	heapIdx   int // index in groups[srv.Tag][srv.Site], -1 when not there
}

type memMeeting struct {
	server      *memServer
	placedAt    time.Time
	seen        bool
	reservation float64 // units, before the multiplier
}

var (
	_ Store      = (*MemoryStore)(nil)
	_ LeaseStore = (*MemoryStore)(nil)
)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		servers:  make(map[string]*memServer),
		meetings: make(map[string]*memMeeting),
		groups:   make(map[string]map[string]*loadHeap),
	}
}

// AddServer implements Store.
func (m *MemoryStore) AddServer(ctx context.Context, srv Server) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.servers[srv.ID]; ok {
		return ErrServerExists
	}
	if !srv.Online {
		srv.Load = 0
	}
	ms := &memServer{srv: srv, meetings: make(map[string]*memMeeting), heapIdx: -1}
	m.servers[srv.ID] = ms
	m.reindex(ms)
	return nil
}

// Server implements Store.
func (m *MemoryStore) Server(ctx context.Context, id string) (Server, error) {
	ms, err := m.lockServer(ctx, id)
	if err != nil {
		return Server{}, err
	}
	defer m.mu.Unlock()
	return ms.srv, nil
}

// Servers implements Store.
func (m *MemoryStore) Servers(ctx context.Context) ([]Server, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	out := make([]Server, 0, len(m.servers))
	for _, ms := range m.servers {
		out = append(out, ms.srv)
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b Server) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// UpdateServer implements Store.
func (m *MemoryStore) UpdateServer(ctx context.Context, id string, u ServerUpdate) (Server, []string, error) {
	ms, err := m.lockServer(ctx, id)
	if err != nil {
		return Server{}, nil, err
	}
	defer m.mu.Unlock()
	m.unindex(ms)
	if u.Secret != nil {
		ms.srv.Secret = *u.Secret
	}
	if u.Tag != nil {
		ms.srv.Tag = *u.Tag
	}
	if u.Site != nil {
		ms.srv.Site = *u.Site
	}
	if u.Capacity != nil {
		ms.srv.Capacity = *u.Capacity
	}
	if u.LoadMultiplier != nil {
		ms.srv.Load = ms.srv.Load / ms.srv.LoadMultiplier * *u.LoadMultiplier
		ms.srv.LoadMultiplier = *u.LoadMultiplier
	}
	var cleared []string
	if u.State != nil {
		ms.srv.State = *u.State
		if ms.srv.State == StateDisabled {
			cleared = m.clear(ms)
		}
	}
	m.reindex(ms)
	return ms.srv, cleared, nil
}

// DeleteServer implements Store.
func (m *MemoryStore) DeleteServer(ctx context.Context, id string) ([]string, error) {
	ms, err := m.lockServer(ctx, id)
	if err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	m.unindex(ms)
	cleared := m.clear(ms)
	delete(m.servers, id)
	return cleared, nil
}

// ClearServer implements Store.
func (m *MemoryStore) ClearServer(ctx context.Context, id string, disable bool) (Server, []string, error) {
	ms, err := m.lockServer(ctx, id)
	if err != nil {
		return Server{}, nil, err
	}
	defer m.mu.Unlock()
	m.unindex(ms)
	cleared := m.clear(ms)
	if disable {
		ms.srv.State = StateDisabled
	}
	m.reindex(ms)
	return ms.srv, cleared, nil
}

// lockServer checks ctx, locks m and finds the server with the given id.
// Unless it returns an error, m stays locked for the caller to unlock.
func (m *MemoryStore) lockServer(ctx context.Context, id string) (*memServer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	ms, ok := m.servers[id]
	if !ok {
		m.mu.Unlock()
		return nil, ErrServerNotFound
	}
	return ms, nil
}

// lockMeeting checks ctx, locks m and finds the meeting with the given id.
// Unless it returns an error, m stays locked for the caller to unlock.
func (m *MemoryStore) lockMeeting(ctx context.Context, id string) (*memMeeting, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	mm, ok := m.meetings[id]
	if !ok {
		m.mu.Unlock()
		return nil, ErrMeetingNotFound
	}
	return mm, nil
}

// unreserve takes the pending reservation of mm off the load of ms.
func (ms *memServer) unreserve(mm *memMeeting) {
	ms.srv.Load = max(ms.srv.Load-mm.reservation*ms.srv.LoadMultiplier, 0)
}

// clear removes every mapping of ms, and the pending reservations with them,
// and returns the meeting IDs sorted. ms must not be in a heap.
func (m *MemoryStore) clear(ms *memServer) []string {
	if len(ms.meetings) == 0 {
		return nil
	}
	ids := make([]string, 0, len(ms.meetings))
	for id, mm := range ms.meetings {
		ids = append(ids, id)
		delete(m.meetings, id)
		if !mm.seen {
			ms.unreserve(mm)
		}
	}
	clear(ms.meetings)
	slices.Sort(ids)
	return ids
}

func (m *MemoryStore) unindex(ms *memServer) {
	if ms.heapIdx >= 0 {
		m.groups[ms.srv.Tag][ms.srv.Site].remove(ms.heapIdx)
	}
}

// reindex puts ms into its tag's and site's heap if it accepts meetings.
func (m *MemoryStore) reindex(ms *memServer) {
	if !ms.srv.Accepting() {
		return
	}
	sites := m.groups[ms.srv.Tag]
	if sites == nil {
		sites = make(map[string]*loadHeap)
		m.groups[ms.srv.Tag] = sites
	}
	h := sites[ms.srv.Site]
	if h == nil {
		h = &loadHeap{}
		sites[ms.srv.Site] = h
	}
	h.push(ms)
}

// reposition puts ms where its changed load belongs: further up or down its
// heap, or out of it once full (or back in once no longer full).
func (m *MemoryStore) reposition(ms *memServer) {
	if ms.heapIdx >= 0 && ms.srv.Accepting() {
		m.groups[ms.srv.Tag][ms.srv.Site].fix(ms.heapIdx)
		return
	}
	m.unindex(ms)
	m.reindex(ms)
}

// Pick implements Store.
func (m *MemoryStore) Pick(ctx context.Context, req PickRequest) (Placement, error) {
	if err := ctx.Err(); err != nil {
		return Placement{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if mm, ok := m.meetings[req.MeetingID]; ok {
		return Placement{MeetingID: req.MeetingID, Server: mm.server.srv, Existing: true}, nil
	}
	primary, fallback := req.Tags.Groups()
	best := m.best(primary, req.Sites)
	if best == nil {
		if req.Tags.Required {
			return Placement{}, &TagUnavailableError{Tag: req.Tags.String()}
		}
		if best = m.best(fallback, req.Sites); best == nil {
			return Placement{}, ErrNoServer
		}
	}
	mm := &memMeeting{server: best, placedAt: req.Now, reservation: req.Reservation}
	m.meetings[req.MeetingID] = mm
	best.meetings[req.MeetingID] = mm
	best.srv.Load += req.Reservation * best.srv.LoadMultiplier
	m.reposition(best)
	return Placement{MeetingID: req.MeetingID, Server: best.srv}, nil
}

// best returns the least-loaded accepting server among the tag groups, of
// the first site of order that has one, else of any other site.
func (m *MemoryStore) best(tags, order []string) *memServer {
	for _, site := range order {
		if b := m.bestWhere(tags, func(s string) bool { return s == site }); b != nil {
			return b
		}
	}
	return m.bestWhere(tags, func(s string) bool { return !slices.Contains(order, s) })
}

// bestWhere returns the least-loaded accepting server among the tag groups
// on the sites that match.
func (m *MemoryStore) bestWhere(tags []string, match func(site string) bool) *memServer {
	var best *memServer
	for _, t := range tags {
		for site, h := range m.groups[t] {
			if len(h.s) == 0 || !match(site) {
				continue
			}
			if c := h.s[0]; best == nil || less(c, best) {
				best = c
			}
		}
	}
	return best
}

// Lookup implements Store.
func (m *MemoryStore) Lookup(ctx context.Context, meetingID string) (Server, error) {
	mm, err := m.lockMeeting(ctx, meetingID)
	if err != nil {
		return Server{}, err
	}
	defer m.mu.Unlock()
	return mm.server.srv, nil
}

// Release implements Store.
func (m *MemoryStore) Release(ctx context.Context, meetingID string) (string, error) {
	mm, err := m.lockMeeting(ctx, meetingID)
	if err != nil {
		return "", err
	}
	defer m.mu.Unlock()
	ms := mm.server
	delete(m.meetings, meetingID)
	delete(ms.meetings, meetingID)
	if !mm.seen {
		ms.unreserve(mm)
		m.reposition(ms)
	}
	return ms.srv.ID, nil
}

// AddLoad implements Store.
func (m *MemoryStore) AddLoad(ctx context.Context, serverID string, units float64) error {
	ms, err := m.lockServer(ctx, serverID)
	if err != nil {
		return err
	}
	defer m.mu.Unlock()
	if !ms.srv.Available() {
		return nil
	}
	ms.srv.Load = max(ms.srv.Load+units*ms.srv.LoadMultiplier, 0)
	m.reposition(ms)
	return nil
}

// MeetingIDs implements Store.
func (m *MemoryStore) MeetingIDs(ctx context.Context, serverID string) ([]string, error) {
	ms, err := m.lockServer(ctx, serverID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(ms.meetings))
	for id := range ms.meetings {
		ids = append(ids, id)
	}
	m.mu.Unlock()
	slices.Sort(ids)
	return ids, nil
}

// ApplyPoll implements Store: a failed poll counts towards taking the
// server offline; an answer counts towards bringing it online and, while it
// is online, reconciles the meeting mappings with what the server reported
// and sets its load.
func (m *MemoryStore) ApplyPoll(ctx context.Context, serverID string, r PollResult) (PollOutcome, error) {
	ms, err := m.lockServer(ctx, serverID)
	if err != nil {
		return PollOutcome{}, err
	}
	defer m.mu.Unlock()
	if r.Token != 0 && !m.leaseHeldWith(r.Token, time.Now()) {
		return PollOutcome{}, ErrLeaseLost
	}
	m.unindex(ms)
	defer m.reindex(ms)
	var out PollOutcome
	switch {
	case !r.OK:
		m.applyFailedPoll(ms, r, &out)
	case applyAnswer(ms, r, &out):
		pending := 0.0
		if ms.srv.State != StateDisabled {
			pending = m.reconcileMeetings(ms, r, &out)
		}
		ms.srv.Load = (r.Load + pending) * ms.srv.LoadMultiplier
	default: // answered, but not yet healthy long enough to be online
		ms.srv.Load = 0
	}
	out.Server = ms.srv
	return out, nil
}

// applyFailedPoll counts a failed poll; at the unhealthy threshold an online
// server goes offline and loses its meeting mappings and load.
func (m *MemoryStore) applyFailedPoll(ms *memServer, r PollResult, out *PollOutcome) {
	ms.healthy = 0
	if !ms.srv.Online {
		return
	}
	ms.unhealthy++
	if ms.unhealthy >= r.UnhealthyThreshold {
		ms.srv.Online = false
		ms.healthy, ms.unhealthy = 0, 0
		out.WentOffline = true
		out.Cleared = m.clear(ms)
		ms.srv.Load = 0
	}
}

// applyAnswer records an answered poll's counters and counts it towards the
// healthy threshold. It reports whether the server is online afterwards.
func applyAnswer(ms *memServer, r PollResult, out *PollOutcome) bool {
	ms.unhealthy = 0
	ms.srv.Meetings = len(r.MeetingIDs)
	ms.srv.Users = r.Users
	ms.srv.PolledAt = r.Now
	if !ms.srv.Online {
		ms.healthy++
		if ms.healthy >= r.HealthyThreshold {
			ms.srv.Online = true
			ms.healthy, ms.unhealthy = 0, 0
			out.WentOnline = true
		}
	}
	return ms.srv.Online
}

// reconcileMeetings adopts reported meetings nobody mapped, marks those
// mapped here as seen, and clears mappings the server does not report,
// except placements no poll has seen yet that were made after
// r.PendingCutoff: their create may still be on its way. A cordoned server
// with nothing left is disabled. It returns the reservations of those
// pending placements, which still count as load.
func (m *MemoryStore) reconcileMeetings(ms *memServer, r PollResult, out *PollOutcome) (pending float64) {
	seen := make(map[string]struct{}, len(r.MeetingIDs))
	for _, id := range r.MeetingIDs {
		seen[id] = struct{}{}
		mm, ok := m.meetings[id]
		switch {
		case !ok:
			mm = &memMeeting{server: ms, placedAt: r.Now, seen: true}
			m.meetings[id] = mm
			ms.meetings[id] = mm
			out.Adopted = append(out.Adopted, id)
		case mm.server == ms:
			mm.seen = true
		}
	}
	pendingN := 0
	for id, mm := range ms.meetings {
		if _, ok := seen[id]; ok {
			continue
		}
		if mm.seen || mm.placedAt.Before(r.PendingCutoff) {
			delete(ms.meetings, id)
			delete(m.meetings, id)
			out.Cleared = append(out.Cleared, id)
			continue
		}
		pending += mm.reservation
		pendingN++
	}
	slices.Sort(out.Cleared)
	slices.Sort(out.Adopted)
	if ms.srv.State == StateCordoned && len(r.MeetingIDs) == 0 && pendingN == 0 {
		ms.srv.State = StateDisabled
		out.Disabled = true
	}
	return pending
}

func (m *MemoryStore) leaseHeldWith(token int64, now time.Time) bool {
	return m.lease.token == token && now.Before(m.lease.expires)
}

// AcquireLease implements LeaseStore, with expiry on the process clock.
func (m *MemoryStore) AcquireLease(ctx context.Context, holder string, ttl time.Duration) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	live := now.Before(m.lease.expires)
	switch {
	case live && m.lease.holder == holder:
	case live:
		return 0, ErrLeaseHeld
	default:
		m.lease.fence++
		m.lease.holder, m.lease.token = holder, m.lease.fence
	}
	m.lease.expires = now.Add(ttl)
	return m.lease.token, nil
}

// ReleaseLease implements LeaseStore.
func (m *MemoryStore) ReleaseLease(ctx context.Context, holder string, token int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lease.holder == holder && m.lease.token == token {
		m.lease.expires = time.Time{}
	}
	return nil
}
