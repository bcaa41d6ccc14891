package scheduler

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bbbkit/bbbkit/internal/httpcore"
)

// Limits on identifiers accepted by the Scheduler.
const (
	MaxIDLength        = 256  // server IDs and tags
	MaxMeetingIDLength = 1024 // meeting IDs
)

// Scheduler places meetings on servers and keeps the servers' state current
// by polling them. It is safe for concurrent use; several Schedulers may
// share one Store (run the poller in only one of them).
type Scheduler struct {
	cfg     config
	leading atomic.Bool // Run polls now (see Polling)
}

// New returns a Scheduler configured by opts.
func New(opts ...Option) (*Scheduler, error) {
	cfg := config{
		now:         time.Now,
		interval:    DefaultPollInterval,
		timeout:     DefaultPollTimeout,
		concurrency: DefaultPollConcurrency,
		healthy:     DefaultHealthyThreshold,
		unhealthy:   DefaultUnhealthyThreshold,
		grace:       DefaultPendingGrace,
	}
	for _, o := range opts {
		if o == nil {
			cfg.invalid("option", "must not be nil")
			continue
		}
		o(&cfg)
	}
	if len(cfg.errs) > 0 {
		return nil, errors.Join(cfg.errs...)
	}
	if cfg.store == nil {
		cfg.store = NewMemoryStore()
	}
	if cfg.lister == nil {
		cfg.lister = NewBBBLister()
	}
	if e, ok := cfg.lister.(MeetingEnder); ok && cfg.ender == nil {
		cfg.ender = e
	}
	if cfg.load == nil {
		cfg.load = ScaleliteLoad(DefaultMinUsers, DefaultJoinBuffer)
	}
	if !cfg.reserveSet {
		cfg.reservation = DefaultMinUsers
	}
	if _, ok := cfg.store.(LeaseStore); cfg.leaseHolder != "" && !ok {
		return nil, &ValidationError{Field: "WithLease", Reason: "the store does not support leases"}
	}
	return &Scheduler{cfg: cfg}, nil
}

// Store returns the Scheduler's store.
func (s *Scheduler) Store() Store { return s.cfg.store }

func (s *Scheduler) emit(e Event) {
	if len(s.cfg.observers) == 0 {
		return
	}
	if e.Time.IsZero() {
		e.Time = s.cfg.now()
	}
	for _, o := range s.cfg.observers {
		o(e)
	}
}

func validID(field, id string) error {
	switch {
	case id == "":
		return &ValidationError{Field: field, Reason: "must not be empty"}
	case len(id) > MaxIDLength:
		return &ValidationError{Field: field, Reason: fmt.Sprintf("longer than %d bytes", MaxIDLength)}
	case strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return &ValidationError{Field: field, Reason: "contains spaces or control characters"}
	}
	return nil
}

func validMeetingID(id string) error {
	switch {
	case id == "":
		return &ValidationError{Field: "meeting ID", Reason: "must not be empty"}
	case len(id) > MaxMeetingIDLength:
		return &ValidationError{Field: "meeting ID", Reason: fmt.Sprintf("longer than %d bytes", MaxMeetingIDLength)}
	}
	return nil
}

func validTag(tag string) error {
	switch {
	case tag == "":
		return nil
	case len(tag) > MaxIDLength:
		return &ValidationError{Field: "tag", Reason: fmt.Sprintf("longer than %d bytes", MaxIDLength)}
	case tag == TagNone:
		return &ValidationError{Field: "tag", Reason: `"none" is reserved for untagged servers`}
	case strings.Contains(tag, ";") || strings.HasSuffix(tag, "!"):
		return &ValidationError{Field: "tag", Reason: `must not contain ";" or end in "!"`}
	}
	return nil
}

func validMultiplier(m float64) error {
	if !(m > 0) || math.IsInf(m, 0) {
		return &ValidationError{Field: "load multiplier", Reason: "must be a finite number > 0"}
	}
	return nil
}

func validURL(raw string) error {
	u, err := httpcore.ParseAbsoluteURL(raw)
	if err != nil {
		return &ValidationError{Field: "url", Reason: "must be an absolute http or https URL"}
	}
	if u.User != nil {
		return &ValidationError{Field: "url", Reason: "must not contain user information"}
	}
	return nil
}

func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("scheduler: generate server ID: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// AddServer adds a server. Like in Scalelite it starts disabled and offline:
// enable it with UpdateServer or SetState, and the next good poll brings it
// online.
func (s *Scheduler) AddServer(ctx context.Context, cfg ServerConfig) (Server, error) {
	if cfg.ID == "" {
		id, err := newUUID()
		if err != nil {
			return Server{}, err
		}
		cfg.ID = id
	}
	if err := validID("server ID", cfg.ID); err != nil {
		return Server{}, err
	}
	if err := validURL(cfg.URL); err != nil {
		return Server{}, err
	}
	if cfg.Secret == "" {
		return Server{}, &ValidationError{Field: "secret", Reason: "must not be empty"}
	}
	if err := validTag(cfg.Tag); err != nil {
		return Server{}, err
	}
	if cfg.LoadMultiplier == 0 {
		cfg.LoadMultiplier = 1
	}
	if err := validMultiplier(cfg.LoadMultiplier); err != nil {
		return Server{}, err
	}
	if err := validSite(cfg.Site); err != nil {
		return Server{}, err
	}
	if err := validCapacity(cfg.Capacity); err != nil {
		return Server{}, err
	}
	srv := Server{
		ID:             cfg.ID,
		URL:            cfg.URL,
		Secret:         cfg.Secret,
		Tag:            cfg.Tag,
		Site:           cfg.Site,
		Capacity:       cfg.Capacity,
		State:          StateDisabled,
		LoadMultiplier: cfg.LoadMultiplier,
	}
	if err := s.cfg.store.AddServer(ctx, srv); err != nil {
		return Server{}, err
	}
	s.emit(Event{Kind: EventServerAdded, ServerID: srv.ID, State: srv.State})
	return srv, nil
}

// Server returns one server, or an error matching ErrServerNotFound.
func (s *Scheduler) Server(ctx context.Context, id string) (Server, error) {
	return s.cfg.store.Server(ctx, id)
}

// Servers returns every server, sorted by ID.
func (s *Scheduler) Servers(ctx context.Context) ([]Server, error) {
	return s.cfg.store.Servers(ctx)
}

// UpdateServer changes a server. Disabling a server removes its meeting
// mappings (reported in an EventMeetingsCleared event), so that the next
// create of those meetings lands elsewhere.
func (s *Scheduler) UpdateServer(ctx context.Context, id string, u ServerUpdate) (Server, error) {
	if u.State != nil && !u.State.Valid() {
		return Server{}, &ValidationError{Field: "state", Reason: "must be enabled, cordoned or disabled"}
	}
	if u.LoadMultiplier != nil {
		if err := validMultiplier(*u.LoadMultiplier); err != nil {
			return Server{}, err
		}
	}
	if u.Secret != nil && *u.Secret == "" {
		return Server{}, &ValidationError{Field: "secret", Reason: "must not be empty"}
	}
	if u.Tag != nil {
		if err := validTag(*u.Tag); err != nil {
			return Server{}, err
		}
	}
	if u.Site != nil {
		if err := validSite(*u.Site); err != nil {
			return Server{}, err
		}
	}
	if u.Capacity != nil {
		if err := validCapacity(*u.Capacity); err != nil {
			return Server{}, err
		}
	}
	var before Server
	if u.State != nil && len(s.cfg.observers) > 0 {
		before, _ = s.cfg.store.Server(ctx, id)
	}
	srv, cleared, err := s.cfg.store.UpdateServer(ctx, id, u)
	if err != nil {
		return Server{}, err
	}
	if u.State != nil && before.State != srv.State {
		s.emit(Event{Kind: EventStateChanged, ServerID: id, State: srv.State})
	}
	if len(cleared) > 0 {
		s.emit(Event{Kind: EventMeetingsCleared, ServerID: id, MeetingIDs: cleared})
	}
	return srv, nil
}

// SetState changes a server's administrative state; see UpdateServer.
func (s *Scheduler) SetState(ctx context.Context, id string, st State) (Server, error) {
	return s.UpdateServer(ctx, id, ServerUpdate{State: &st})
}

// DeleteServer removes a server and its meeting mappings. If the
// MeetingLister has a Forget(serverID string) method (BBBLister does), it is
// called so that the lister can drop what it cached for the server.
func (s *Scheduler) DeleteServer(ctx context.Context, id string) error {
	cleared, err := s.cfg.store.DeleteServer(ctx, id)
	if err != nil {
		return err
	}
	if f, ok := s.cfg.lister.(interface{ Forget(serverID string) }); ok {
		f.Forget(id)
	}
	s.emit(Event{Kind: EventServerDeleted, ServerID: id, MeetingIDs: cleared})
	return nil
}

// Panic removes every meeting mapping of a server and, unless keepState,
// disables it (Scalelite's panicServer). It returns the meeting IDs so the
// caller can end them on the server.
func (s *Scheduler) Panic(ctx context.Context, id string, keepState bool) ([]string, error) {
	before, err := s.cfg.store.Server(ctx, id)
	if err != nil {
		return nil, err
	}
	srv, cleared, err := s.cfg.store.ClearServer(ctx, id, !keepState)
	if err != nil {
		return nil, err
	}
	if before.State != srv.State {
		s.emit(Event{Kind: EventStateChanged, ServerID: id, State: srv.State})
	}
	if len(cleared) > 0 {
		s.emit(Event{Kind: EventMeetingsCleared, ServerID: id, MeetingIDs: cleared})
	}
	return cleared, nil
}

// Pick returns the server for a meeting: the server that already holds it
// (wherever that is), or else the least-loaded accepting server (enabled,
// online, not full) allowed by tag, of the first site in the site order
// that has one, on which it reserves capacity in the same atomic step. tag
// is Scalelite's tag argument (see ParseTags): tags filter, sites order. The
// site order is the one of PreferSites, else of WithSiteOrder. Errors:
// ErrNoServer, a *TagUnavailableError (ErrTagUnavailable), a
// *ValidationError for a bad meeting ID or site, or a store failure.
func (s *Scheduler) Pick(ctx context.Context, meetingID, tag string, opts ...PickOption) (Placement, error) {
	if err := validMeetingID(meetingID); err != nil {
		return Placement{}, err
	}
	var pc pickConfig
	for _, o := range opts {
		if o != nil {
			o(&pc)
		}
	}
	sites := s.cfg.sites
	if pc.sitesSet {
		if err := validSiteOrder("PreferSites", pc.sites); err != nil {
			return Placement{}, err
		}
		sites = pc.sites
	}
	q := ParseTags(tag)
	p, err := s.cfg.store.Pick(ctx, PickRequest{
		MeetingID:   meetingID,
		Tags:        q,
		Sites:       sites,
		Reservation: s.cfg.reservation,
		Now:         s.cfg.now(),
	})
	if err != nil {
		if errors.Is(err, ErrTagUnavailable) {
			err = &TagUnavailableError{Tag: tag} // the argument as the caller gave it
		}
		s.emit(Event{Kind: EventPickFailed, MeetingID: meetingID, Err: err})
		return Placement{}, err
	}
	if p.Existing {
		s.emit(Event{Kind: EventReused, MeetingID: meetingID, ServerID: p.Server.ID, Load: p.Server.Load})
	} else {
		s.emit(Event{Kind: EventPlaced, MeetingID: meetingID, ServerID: p.Server.ID, Load: p.Server.Load})
	}
	return p, nil
}

// Lookup returns the server holding a meeting, or an error matching
// ErrMeetingNotFound.
func (s *Scheduler) Lookup(ctx context.Context, meetingID string) (Server, error) {
	if err := validMeetingID(meetingID); err != nil {
		return Server{}, err
	}
	return s.cfg.store.Lookup(ctx, meetingID)
}

// Release forgets a meeting's placement: call it when the meeting was ended
// or when forwarding its create failed. A reservation not yet seen by a poll
// is taken off the server's load.
func (s *Scheduler) Release(ctx context.Context, meetingID string) error {
	if err := validMeetingID(meetingID); err != nil {
		return err
	}
	id, err := s.cfg.store.Release(ctx, meetingID)
	if err != nil {
		return err
	}
	s.emit(Event{Kind: EventReleased, MeetingID: meetingID, ServerID: id})
	return nil
}

// AddLoad adds units (times the multiplier) to an available server's load
// until the next poll, e.g. 1 per join as Scalelite does.
func (s *Scheduler) AddLoad(ctx context.Context, serverID string, units float64) error {
	if math.IsNaN(units) || math.IsInf(units, 0) {
		return &ValidationError{Field: "units", Reason: "must be a finite number"}
	}
	return s.cfg.store.AddLoad(ctx, serverID, units)
}

// MeetingIDs returns the IDs of the meetings placed on a server, sorted.
func (s *Scheduler) MeetingIDs(ctx context.Context, serverID string) ([]string, error) {
	return s.cfg.store.MeetingIDs(ctx, serverID)
}

// Poll polls every server once, at most WithPollConcurrency at a time, each
// with the WithPollTimeout timeout, and applies the results. A server that
// fails is reported through an EventPollFailed event and counted towards
// its offline threshold; Poll itself only fails when the store fails or the
// context ends.
func (s *Scheduler) Poll(ctx context.Context) error { return s.poll(ctx, 0) }

// poll polls every server; token, when not 0, fences the writes (see
// LeaseStore), and the first ErrLeaseLost stops the round. At most
// WithPollConcurrency servers are being listed at once; a server's result
// is written to the store after its listing slot is freed (with as many
// writes in flight at most), so that the store's latency overlaps with the
// next listings instead of adding to them.
func (s *Scheduler) poll(ctx context.Context, token int64) error {
	servers, err := s.cfg.store.Servers(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	listing := make(chan struct{}, s.cfg.concurrency)
	writing := make(chan struct{}, s.cfg.concurrency)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, srv := range servers {
		select {
		case listing <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return context.Cause(ctx)
		}
		wg.Go(func() {
			res, err := s.listServer(ctx, srv, token)
			<-listing
			if err == nil {
				writing <- struct{}{}
				err = s.applyPoll(ctx, res)
				<-writing
			}
			if err != nil && !errors.Is(err, ErrServerNotFound) {
				if errors.Is(err, ErrLeaseLost) {
					cancel(err)
				}
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// PollServer polls one server now, e.g. right after enabling it.
func (s *Scheduler) PollServer(ctx context.Context, id string) error {
	srv, err := s.cfg.store.Server(ctx, id)
	if err != nil {
		return err
	}
	res, err := s.listServer(ctx, srv, 0)
	if err != nil {
		return err
	}
	return s.applyPoll(ctx, res)
}

// listed is one server's listing, ready to be applied.
type listed struct {
	srv  Server
	r    PollResult
	lerr error // the listing's failure, if any
}

// listServer lists one server's meetings and computes the poll result. It
// fails only when ctx ends (which is not the server's fault).
func (s *Scheduler) listServer(ctx context.Context, srv Server, token int64) (listed, error) {
	start := s.cfg.now()
	pctx, cancel := context.WithTimeout(ctx, s.cfg.timeout)
	meetings, lerr := s.cfg.lister.ListMeetings(pctx, srv)
	cancel()
	if lerr != nil && ctx.Err() != nil {
		return listed{}, ctx.Err()
	}
	r := PollResult{
		OK:                 lerr == nil,
		Now:                start,
		PendingCutoff:      start.Add(-s.cfg.grace),
		HealthyThreshold:   s.cfg.healthy,
		UnhealthyThreshold: s.cfg.unhealthy,
		Token:              token,
	}
	if lerr == nil {
		r.MeetingIDs = make([]string, 0, len(meetings))
		for _, m := range meetings {
			if m.ID == "" {
				continue
			}
			r.MeetingIDs = append(r.MeetingIDs, m.ID)
			r.Users += max(m.ParticipantCount, 0)
		}
		r.Load = s.cfg.load(start, meetings)
		if math.IsNaN(r.Load) || math.IsInf(r.Load, 0) || r.Load < 0 {
			r.Load = 0
		}
	}
	return listed{srv: srv, r: r, lerr: lerr}, nil
}

// applyPoll writes a listing to the store and reports what changed. It
// returns only store errors.
func (s *Scheduler) applyPoll(ctx context.Context, res listed) error {
	srv, r, lerr := res.srv, res.r, res.lerr
	out, err := s.cfg.store.ApplyPoll(ctx, srv.ID, r)
	if err != nil {
		return err
	}
	dur := s.cfg.now().Sub(r.Now)
	if lerr != nil {
		s.emit(Event{Kind: EventPollFailed, ServerID: srv.ID, Duration: dur, Err: &PollError{ServerID: srv.ID, Err: lerr}})
	} else {
		s.emit(Event{Kind: EventPolled, ServerID: srv.ID, Load: out.Server.Load, Meetings: out.Server.Meetings,
			Users: out.Server.Users, Duration: dur})
	}
	if out.WentOnline {
		s.emit(Event{Kind: EventOnline, ServerID: srv.ID})
	}
	if out.WentOffline {
		s.emit(Event{Kind: EventOffline, ServerID: srv.ID})
	}
	if out.Disabled {
		s.emit(Event{Kind: EventStateChanged, ServerID: srv.ID, State: out.Server.State})
	}
	if len(out.Cleared) > 0 {
		s.emit(Event{Kind: EventMeetingsCleared, ServerID: srv.ID, MeetingIDs: out.Cleared})
	}
	return nil
}

// Run polls all servers at once and then every WithPollInterval until ctx
// ends, and returns ctx.Err(). A round that fails because the store fails
// does not stop it: the next round tries again. With WithLease it polls
// only while it holds the store's poller lease.
func (s *Scheduler) Run(ctx context.Context) error {
	if s.cfg.leaseHolder != "" {
		return s.runLeased(ctx, s.cfg.store.(LeaseStore))
	}
	s.leading.Store(true)
	defer s.leading.Store(false)
	t := time.NewTicker(s.cfg.interval)
	defer t.Stop()
	for {
		_ = s.Poll(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
