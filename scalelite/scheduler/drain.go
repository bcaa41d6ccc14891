package scheduler

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
)

// MeetingEnder ends a meeting on a server, first posting message (when not
// empty) to its public chat. BBBLister implements it with BBB's
// sendChatMessage (BigBlueButton 2.7 and later; a failure to post does not
// stop the end) and end calls. Implementations must not put the server's
// secret in their errors.
type MeetingEnder interface {
	EndMeeting(ctx context.Context, srv Server, meetingID, message string) error
}

// WithMeetingEnder sets what Drain uses to end the meetings left at its
// deadline; the default is the MeetingLister when it is a MeetingEnder (the
// default BBBLister is).
func WithMeetingEnder(e MeetingEnder) Option {
	return func(c *config) {
		if e == nil {
			c.invalid("WithMeetingEnder", "must not be nil")
			return
		}
		c.ender = e
	}
}

// AtDeadline says what Drain does when its deadline passes with meetings
// still running.
type AtDeadline int

const (
	// DrainFail stops the drain with a *DrainError (ErrDrainDeadline);
	// the server stays cordoned, its meetings keep running.
	DrainFail AtDeadline = iota
	// DrainEndMeetings ends the remaining meetings (with DrainOptions.Message
	// in their chat first) and goes on until the server is empty.
	DrainEndMeetings
)

// DrainPhase is the step a drain is at.
type DrainPhase string

// The phases of a drain, in order.
const (
	DrainCordoned DrainPhase = "cordoned" // the server takes no new meetings
	DrainWaiting  DrainPhase = "waiting"  // polled, meetings still running
	DrainEnding   DrainPhase = "ending"   // the deadline passed: remaining meetings are being ended
	DrainRemoved  DrainPhase = "removed"  // the server was empty and is deleted
)

// DrainProgress reports a step of a drain.
type DrainProgress struct {
	ServerID string
	Phase    DrainPhase
	// Meetings lists the meeting IDs still mapped to the server.
	Meetings []string
	// Users is the number of users at the last poll.
	Users int
	// Time is the scheduler's clock at this step.
	Time time.Time
	// Err, in the ending phase, joins the errors of meetings that could
	// not be ended (they are tried again at the next poll).
	Err error
}

// DrainOptions configures Drain. The zero value waits, polling every
// WithPollInterval, for as long as ctx allows.
type DrainOptions struct {
	// PollEvery is how often the server is polled (default the
	// Scheduler's WithPollInterval).
	PollEvery time.Duration
	// Deadline is how long to wait for the meetings to end, measured on
	// the Scheduler's clock; 0 waits until ctx ends.
	Deadline time.Duration
	// AtDeadline is what happens when the deadline passes: DrainFail
	// (default) or DrainEndMeetings.
	AtDeadline AtDeadline
	// Message is posted to the chat of each meeting ended at the deadline
	// (nothing is posted when empty).
	Message string
	// Progress, when set, is called at each step, synchronously.
	Progress func(DrainProgress)
}

// ErrDrainDeadline means a drain's deadline passed with meetings running
// and DrainFail. Errors that match it are *DrainError.
var ErrDrainDeadline = errors.New("scheduler: drain deadline passed with meetings running")

// DrainError reports a drain stopped by its deadline.
type DrainError struct {
	ServerID string
	// Meetings lists the meeting IDs still on the server.
	Meetings []string
}

// Error implements error.
func (e *DrainError) Error() string {
	return "scheduler: drain server " + strconv.Quote(e.ServerID) + ": deadline passed with " +
		strconv.Itoa(len(e.Meetings)) + " meetings running"
}

// ErrDrainInterrupted means the server was enabled again while it was
// being drained, which calls the drain off.
var ErrDrainInterrupted = errors.New("scheduler: drain interrupted: the server was enabled again")

// Is reports whether target is ErrDrainDeadline.
func (e *DrainError) Is(target error) bool { return target == ErrDrainDeadline }

// Drain takes a server out of the cluster without cutting meetings short:
// it cordons the server (no new meetings), polls it every PollEvery until
// its last meeting ended, and deletes it. When the Deadline passes first it
// either fails with a *DrainError (the server stays cordoned) or ends the
// remaining meetings, posting Message to their chat, and goes on until the
// server is empty. A server that goes offline while draining counts as
// empty once the poller dropped its meetings. On a context error the
// server stays cordoned. Progress is reported through opts.Progress.
func (s *Scheduler) Drain(ctx context.Context, id string, opts DrainOptions) error {
	if opts.PollEvery < 0 || opts.Deadline < 0 {
		return &ValidationError{Field: "DrainOptions", Reason: "PollEvery and Deadline must be >= 0"}
	}
	if opts.AtDeadline != DrainFail && opts.AtDeadline != DrainEndMeetings {
		return &ValidationError{Field: "DrainOptions.AtDeadline", Reason: "must be DrainFail or DrainEndMeetings"}
	}
	ender := s.cfg.ender
	if opts.AtDeadline == DrainEndMeetings && ender == nil {
		return &ValidationError{Field: "DrainOptions.AtDeadline", Reason: "ending meetings needs WithMeetingEnder"}
	}
	d := &drain{s: s, id: id, opts: opts, ender: ender}
	if d.opts.PollEvery == 0 {
		d.opts.PollEvery = s.cfg.interval
	}
	return d.run(ctx)
}

// drain is one Drain call's state.
type drain struct {
	s     *Scheduler
	id    string
	opts  DrainOptions
	ender MeetingEnder
}

func (d *drain) report(p DrainProgress) {
	if d.opts.Progress != nil {
		p.ServerID, p.Time = d.id, d.s.cfg.now()
		d.opts.Progress(p)
	}
}

func (d *drain) run(ctx context.Context) error {
	srv, err := d.s.cfg.store.Server(ctx, d.id)
	if err != nil {
		return err
	}
	if srv.State == StateEnabled {
		if srv, err = d.s.SetState(ctx, d.id, StateCordoned); err != nil {
			return err
		}
	}
	start := d.s.cfg.now()
	d.report(DrainProgress{Phase: DrainCordoned, Users: srv.Users})
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		empty, meetings, users, err := d.check(ctx)
		if err != nil {
			return err
		}
		if empty {
			if err := d.s.DeleteServer(ctx, d.id); err != nil {
				return err
			}
			d.report(DrainProgress{Phase: DrainRemoved})
			return nil
		}
		if d.opts.Deadline > 0 && !d.s.cfg.now().Before(start.Add(d.opts.Deadline)) {
			if d.opts.AtDeadline == DrainFail {
				return &DrainError{ServerID: d.id, Meetings: meetings}
			}
			d.report(DrainProgress{Phase: DrainEnding, Meetings: meetings, Users: users, Err: d.end(ctx, meetings)})
		} else {
			d.report(DrainProgress{Phase: DrainWaiting, Meetings: meetings, Users: users})
		}
		timer.Reset(d.opts.PollEvery)
	}
}

// check polls the server and reports whether it is empty: disabled (a poll
// found it cordoned and empty) or offline without meeting mappings.
func (d *drain) check(ctx context.Context) (empty bool, meetings []string, users int, err error) {
	if err := d.s.PollServer(ctx, d.id); err != nil {
		return false, nil, 0, err
	}
	srv, err := d.s.cfg.store.Server(ctx, d.id)
	if err != nil {
		return false, nil, 0, err
	}
	if meetings, err = d.s.cfg.store.MeetingIDs(ctx, d.id); err != nil {
		return false, nil, 0, err
	}
	if srv.State == StateEnabled {
		return false, nil, 0, ErrDrainInterrupted
	}
	empty = srv.State == StateDisabled || (!srv.Online && len(meetings) == 0)
	return empty, meetings, srv.Users, nil
}

// end ends the meetings, best effort: a meeting that is already gone (a
// breakout room ended with its parent) is fine, and one that fails to end
// is tried again at the next poll. It returns the failures.
func (d *drain) end(ctx context.Context, meetings []string) error {
	srv, err := d.s.cfg.store.Server(ctx, d.id)
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range meetings {
		if err := d.ender.EndMeeting(ctx, srv, m, d.opts.Message); err != nil && !errors.Is(err, bbb.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// EndMeeting implements MeetingEnder: sendChatMessage with message (when
// not empty; its failure, e.g. on BigBlueButton before 2.7, does not stop
// the end), then end.
func (l *BBBLister) EndMeeting(ctx context.Context, srv Server, meetingID, message string) error {
	c, err := l.client(srv)
	if err != nil {
		return err
	}
	if message != "" {
		_ = c.SendChatMessage(ctx, &bbb.SendChatMessageParams{MeetingID: meetingID, Message: message})
	}
	return c.EndMeeting(ctx, meetingID)
}
