package scheduler

import (
	"context"
	"crypto/sha256"
	"sync"

	"github.com/bbbkit/bbbkit/bbb"
)

// BBBLister is the default MeetingLister: it calls getMeetings on each server
// with a bbb.Client, built once per server URL and secret and reused.
type BBBLister struct {
	opts    []bbb.Option
	mu      sync.Mutex
	clients map[string]bbbEntry // by server ID
}

type bbbEntry struct {
	key    [32]byte // hash of URL and secret, to notice changes
	client *bbb.Client
}

var _ MeetingLister = (*BBBLister)(nil)

// NewBBBLister returns a BBBLister whose clients are created with opts
// (e.g. bbb.WithHTTPClient, bbb.WithChecksum). The poll timeout comes from
// the context, so opts need no timeout.
func NewBBBLister(opts ...bbb.Option) *BBBLister {
	return &BBBLister{opts: opts, clients: make(map[string]bbbEntry)}
}

func (l *BBBLister) client(srv Server) (*bbb.Client, error) {
	h := sha256.New()
	h.Write([]byte(srv.URL))
	h.Write([]byte{0})
	h.Write([]byte(srv.Secret))
	var key [32]byte
	h.Sum(key[:0])
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.clients[srv.ID]; ok && e.key == key {
		return e.client, nil
	}
	c, err := bbb.New(srv.URL, srv.Secret, l.opts...)
	if err != nil {
		return nil, err
	}
	l.clients[srv.ID] = bbbEntry{key: key, client: c}
	return c, nil
}

// ListMeetings implements MeetingLister with BBB's getMeetings.
func (l *BBBLister) ListMeetings(ctx context.Context, srv Server) ([]Meeting, error) {
	c, err := l.client(srv)
	if err != nil {
		return nil, err
	}
	ms, err := c.GetMeetings(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Meeting, len(ms))
	for i := range ms {
		out[i] = MeetingFromBBB(&ms[i])
	}
	return out, nil
}

// Forget drops the cached client of a server. Scheduler.DeleteServer calls
// it; a changed URL or secret is noticed without it.
func (l *BBBLister) Forget(serverID string) {
	l.mu.Lock()
	delete(l.clients, serverID)
	l.mu.Unlock()
}

// MeetingFromBBB converts a BBB meeting into what the poller needs.
func MeetingFromBBB(m *bbb.Meeting) Meeting {
	return Meeting{
		ID:               m.MeetingID,
		CreateTime:       m.CreateTime,
		IsBreakout:       m.IsBreakout,
		ParticipantCount: m.ParticipantCount,
		ModeratorCount:   m.ModeratorCount,
		VideoCount:       m.VideoCount,
	}
}
