package gapfill

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/bbbkit/bbbkit/webhooks"
)

// Synthesized reports whether ev was made by a Filler rather than sent by
// bbb-webhooks: its JSON carries "synthesized": true in data.event. Its
// timestamp is then when the Filler noticed the change (meeting-created
// aside, which has the meeting's createTime), not when it happened.
func Synthesized(ev *webhooks.Event) bool {
	if !bytes.Contains(ev.JSON, []byte(`"synthesized"`)) {
		return false
	}
	var probe struct {
		Data struct {
			Event struct {
				Synthesized bool `json:"synthesized"`
			} `json:"event"`
		} `json:"data"`
	}
	return json.Unmarshal(ev.JSON, &probe) == nil && probe.Data.Event.Synthesized
}

type wireMeeting struct {
	InternalID string            `json:"internal-meeting-id"`
	ExternalID string            `json:"external-meeting-id"`
	Name       string            `json:"name,omitempty"`
	CreateTime int64             `json:"create-time,omitempty"`
	IsBreakout bool              `json:"is-breakout,omitempty"`
	Metadata   map[string]string `json:"metadata,omitempty"`
}

type wireUser struct {
	InternalID string `json:"internal-user-id"`
	ExternalID string `json:"external-user-id"`
	Name       string `json:"name,omitempty"`
	Role       string `json:"role,omitempty"`
}

type wireAttributes struct {
	Meeting wireMeeting `json:"meeting"`
	User    *wireUser   `json:"user,omitempty"`
}

// synth builds a mapped event in bbb-webhooks' shape, marked synthesized,
// and decodes it like a received one.
func synth(typ webhooks.EventType, ts time.Time, attrs wireAttributes) (webhooks.Event, error) {
	var wire struct {
		Data struct {
			Type       string         `json:"type"`
			ID         string         `json:"id"`
			Attributes wireAttributes `json:"attributes"`
			Event      struct {
				TS          int64 `json:"ts"`
				Synthesized bool  `json:"synthesized"`
			} `json:"event"`
		} `json:"data"`
	}
	wire.Data.Type, wire.Data.ID, wire.Data.Attributes = "event", string(typ), attrs
	wire.Data.Event.TS, wire.Data.Event.Synthesized = ts.UnixMilli(), true
	js, err := json.Marshal(&wire)
	if err != nil {
		return webhooks.Event{}, err
	}
	evs, err := webhooks.ParseEvents(append(append([]byte{'['}, js...), ']'))
	if err != nil {
		return webhooks.Event{}, err
	}
	return evs[0], nil
}
