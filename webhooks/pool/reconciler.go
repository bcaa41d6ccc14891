package pool

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/internal/every"
	"github.com/bbbkit/bbbkit/webhooks"
)

// Status is what the Reconciler knows about one server.
type Status struct {
	// ID and URL identify the server (never its secret).
	ID, URL string
	// HookID is the hook registered on the server at the last successful
	// check; "" before the first one.
	HookID string
	// CallbackURL is the URL registered on this server.
	CallbackURL string
	// LastCheck is when the last check ended, LastSuccess when the last
	// successful one did.
	LastCheck, LastSuccess time.Time
	// Failures counts consecutive failed checks; 0 when the last succeeded.
	Failures int
	// Err is the error of the last check, nil when it succeeded. It never
	// holds the secret or a checksum.
	Err error
	// Created counts the hooks the Reconciler created (or replaced) on this
	// server: more than one means the server lost the hook in between.
	Created int
}

// Registered reports whether the last check found or made the hook.
func (s Status) Registered() bool { return s.Err == nil && s.HookID != "" }

// Event reports one check of one server, or a change of the pool, to the
// function given with WithObserver.
type Event struct {
	// ServerID and URL name the server; both are empty when Err is an error
	// of the Lister.
	ServerID, URL string
	// Result is the outcome of a successful check.
	Result *webhooks.EnsureResult
	// Err is the error of a failed check or of the Lister.
	Err error
	// Added is true on the first check of a server new to the pool,
	// Removed when a server left the pool and was forgotten (no check was
	// made then).
	Added, Removed bool
	// Duration is how long the check took.
	Duration time.Duration
}

// Reconciler keeps one hook registered on every server of a pool. Each
// Sync lists the pool and runs webhooks.Client.EnsureOnce on every server
// concurrently: a new server gets the hook at the first Sync after it
// appears, a hook the server dropped (bbb-webhooks removes one after about
// five minutes of failed deliveries) is created again at the next, and a
// server that left the pool is forgotten. Run calls Sync every interval. A
// Reconciler is safe for concurrent use.
type Reconciler struct {
	lister Lister
	params webhooks.CreateParams
	cfg    config

	syncMu sync.Mutex // one Sync at a time

	mu      sync.Mutex
	servers map[string]*member
}

// member is a server the Reconciler knows, with its client and status.
type member struct {
	srv    Server
	client *webhooks.Client
	status Status
}

// New returns a Reconciler that registers the hook described by p on every
// server lister returns. p.CallbackURL is the callback of every server
// unless WithCallbackURL gives one per server. It validates its arguments
// and does no I/O.
func New(lister Lister, p webhooks.CreateParams, opts ...Option) (*Reconciler, error) {
	if lister == nil {
		return nil, errors.New("pool: nil Lister")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("pool: nil Option")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.callbackURL == nil {
		if p.CallbackURL == "" {
			return nil, errors.New("pool: CreateParams.CallbackURL is empty and no WithCallbackURL was given")
		}
		fixed := p.CallbackURL
		cfg.callbackURL = func(Server) string { return fixed }
	}
	p.EventIDs = slices.Clone(p.EventIDs)
	return &Reconciler{lister: lister, params: p, cfg: cfg, servers: map[string]*member{}}, nil
}

// Run calls Sync at once and then every interval until ctx ends, and
// returns ctx's error. Errors of a Sync are reported to the observer and in
// Status, never returned: a server that is down is tried again at the next
// interval.
func (r *Reconciler) Run(ctx context.Context) error {
	return every.Run(ctx, r.cfg.interval, func(ctx context.Context) { _ = r.Sync(ctx) })
}

// Sync lists the pool once and checks the hook on every server. It returns
// the Lister's error (the known servers are then kept and checked) joined
// with the errors of the servers whose check failed.
func (r *Reconciler) Sync(ctx context.Context) error {
	r.syncMu.Lock()
	defer r.syncMu.Unlock()
	list, listErr := r.lister.Servers(ctx)
	if listErr != nil {
		listErr = fmt.Errorf("pool: list servers: %w", listErr)
		r.observe(Event{Err: listErr})
	}
	members, added, err := r.update(list, listErr == nil)
	if err != nil {
		return errors.Join(listErr, err)
	}
	errs := make([]error, len(members))
	sem := make(chan struct{}, r.cfg.concurrency)
	var wg sync.WaitGroup
	for i, m := range members {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = r.check(ctx, m, added[m.srv.ID])
		})
	}
	wg.Wait()
	return errors.Join(append([]error{listErr}, errs...)...)
}

// update merges a fresh list into the known servers: it adds new ones,
// rebuilds the client of one whose URL or secret changed and, when the list
// is authoritative, forgets those no longer listed. It returns the members
// to check and which of them are new.
func (r *Reconciler) update(list []Server, authoritative bool) ([]*member, map[string]bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	added := map[string]bool{}
	if authoritative {
		seen := map[string]bool{}
		for _, s := range list {
			if s.ID == "" {
				return nil, nil, fmt.Errorf("pool: server with URL %q has no ID", s.URL)
			}
			if seen[s.ID] {
				return nil, nil, fmt.Errorf("pool: server ID %q listed twice", s.ID)
			}
			seen[s.ID] = true
		}
		for _, s := range list {
			m := r.servers[s.ID]
			if m != nil && m.srv == s {
				continue
			}
			client, err := r.newClient(s)
			if err != nil {
				return nil, nil, err
			}
			if m == nil {
				added[s.ID] = true
				m = &member{}
				r.servers[s.ID] = m
			}
			m.srv, m.client = s, client
			m.status.ID, m.status.URL = s.ID, s.URL
			m.status.CallbackURL = r.cfg.callbackURL(s)
		}
		for _, id := range slices.Sorted(maps.Keys(r.servers)) {
			if !seen[id] {
				m := r.servers[id]
				delete(r.servers, id)
				r.observe(Event{ServerID: id, URL: m.srv.URL, Removed: true})
			}
		}
	}
	out := make([]*member, 0, len(r.servers))
	for _, id := range slices.Sorted(maps.Keys(r.servers)) {
		out = append(out, r.servers[id])
	}
	return out, added, nil
}

func (r *Reconciler) newClient(s Server) (*webhooks.Client, error) {
	bc, err := bbb.New(s.URL, s.Secret, r.cfg.bbbOptions...)
	if err != nil {
		return nil, fmt.Errorf("pool: server %s: %w", s.ID, err)
	}
	c, err := webhooks.NewClient(bc, r.cfg.clientOptions...)
	if err != nil {
		return nil, fmt.Errorf("pool: server %s: %w", s.ID, err)
	}
	return c, nil
}

// check runs EnsureOnce on one server and records the outcome.
func (r *Reconciler) check(ctx context.Context, m *member, added bool) error {
	r.mu.Lock()
	client, srv, cb := m.client, m.srv, m.status.CallbackURL
	r.mu.Unlock()
	p := r.params
	p.CallbackURL = cb
	start := time.Now()
	res, err := client.EnsureOnce(ctx, p)
	took := time.Since(start)
	now := r.cfg.now()
	r.mu.Lock()
	st := &m.status
	st.LastCheck = now
	if err != nil {
		err = fmt.Errorf("pool: server %s: %w", srv.ID, err)
		st.Failures++
		st.Err = err
	} else {
		st.Failures, st.Err, st.LastSuccess = 0, nil, now
		st.HookID = res.Hook.ID
		if res.Created || res.Replaced {
			st.Created++
		}
	}
	r.mu.Unlock()
	r.observe(Event{ServerID: srv.ID, URL: srv.URL, Result: res, Err: err, Added: added, Duration: took})
	return err
}

func (r *Reconciler) observe(ev Event) {
	if r.cfg.observe != nil {
		r.cfg.observe(ev)
	}
}

// Status returns the status of every known server, sorted by ID.
func (r *Reconciler) Status() []Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Status, 0, len(r.servers))
	for _, id := range slices.Sorted(maps.Keys(r.servers)) {
		out = append(out, r.servers[id].status)
	}
	return out
}
