package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// meetingTenantTTL bounds how long the record of a meeting's tenant outlives
// a meeting whose end no replica saw (ended meetings are forgotten at once).
const meetingTenantTTL = 30 * 24 * time.Hour

var (
	setMeetingTenantScript     = redis.NewScript(`return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])`)
	getMeetingTenantScript     = redis.NewScript(`return redis.call('GET', KEYS[1])`)
	forgetMeetingTenantsScript = redis.NewScript(`return redis.call('DEL', unpack(KEYS))`)
)

// meetingTenantKey is "meeting_tenant:<meeting ID>", holding the ID of the
// tenant that created the meeting ("" for none).
func (s *Store) meetingTenantKey(meetingID string) string {
	return s.prefix + "meeting_tenant:" + meetingID
}

// SetMeetingTenant implements scheduler.MeetingTenantStore.
func (s *Store) SetMeetingTenant(ctx context.Context, meetingID, tenantID string) error {
	if err := setMeetingTenantScript.Run(ctx, s.rdb, []string{s.meetingTenantKey(meetingID)}, tenantID, meetingTenantTTL.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("redisstore: setMeetingTenant: %w", err)
	}
	return nil
}

// MeetingTenant implements scheduler.MeetingTenantStore.
func (s *Store) MeetingTenant(ctx context.Context, meetingID string) (string, bool, error) {
	id, err := getMeetingTenantScript.Run(ctx, s.rdb, []string{s.meetingTenantKey(meetingID)}).Text()
	switch {
	case errors.Is(err, redis.Nil):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("redisstore: meetingTenant: %w", err)
	}
	return id, true, nil
}

// ForgetMeetingTenants implements scheduler.MeetingTenantStore.
func (s *Store) ForgetMeetingTenants(ctx context.Context, meetingIDs ...string) error {
	if len(meetingIDs) == 0 {
		return nil
	}
	keys := make([]string, len(meetingIDs))
	for i, id := range meetingIDs {
		keys[i] = s.meetingTenantKey(id)
	}
	if err := forgetMeetingTenantsScript.Run(ctx, s.rdb, keys).Err(); err != nil {
		return fmt.Errorf("redisstore: forgetMeetingTenants: %w", err)
	}
	return nil
}
