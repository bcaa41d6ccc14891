package greenlight

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Recording is a recording as Greenlight stores it (RecordingSerializer).
type Recording struct {
	ID           string    `json:"id"`
	RecordID     string    `json:"record_id"`
	Name         string    `json:"name"`
	Length       int       `json:"length"` // minutes
	Participants int       `json:"participants"`
	Visibility   string    `json:"visibility"` // a Visibility value
	Protectable  bool      `json:"protectable"`
	CreatedAt    time.Time `json:"created_at"`
	RecordedAt   time.Time `json:"recorded_at"`
	Formats      []Format  `json:"formats"`
}

// Format is one playback format of a recording.
type Format struct {
	RecordingType string `json:"recording_type"`
	URL           string `json:"url"`
}

// Visibility of a recording.
type Visibility string

// The recording visibilities Greenlight knows.
const (
	Unpublished     Visibility = "Unpublished"
	Published       Visibility = "Published"
	Public          Visibility = "Public"
	Protected       Visibility = "Protected"
	PublicProtected Visibility = "Public/Protected"
)

// ListRecordings returns one page (from 1) of the signed-in user's
// recordings (GET /api/v1/recordings.json), filtered by search.
func (c *Client) ListRecordings(ctx context.Context, search string, page int) ([]Recording, Page, error) {
	var recs []Recording
	var p Page
	err := c.call(ctx, request{method: http.MethodGet, path: "recordings.json", query: pageQuery(search, "search", page), out: &recs, page: &p})
	return recs, p, err
}

// AllRecordings iterates over every page of ListRecordings.
func (c *Client) AllRecordings(ctx context.Context, search string) iter.Seq2[Recording, error] {
	return paginate(func(page int) ([]Recording, Page, error) { return c.ListRecordings(ctx, search, page) })
}

// ListRoomRecordings returns one page of a room's recordings
// (GET /api/v1/rooms/:friendly_id/recordings.json, search parameter "q").
func (c *Client) ListRoomRecordings(ctx context.Context, friendlyID, search string, page int) ([]Recording, Page, error) {
	if err := checkFriendlyID(friendlyID); err != nil {
		return nil, Page{}, err
	}
	var recs []Recording
	var p Page
	err := c.call(ctx, request{method: http.MethodGet, path: "rooms/" + friendlyID + "/recordings.json", query: pageQuery(search, "q", page), out: &recs, page: &p})
	return recs, p, err
}

func checkRecordID(id string) error {
	if id == "" || len(id) > 256 || strings.ContainsAny(id, "/?#") {
		return errors.New("greenlight: invalid record id " + quoteShort(id))
	}
	return nil
}

// RenameRecording renames a recording in Greenlight and BigBlueButton
// (PATCH /api/v1/recordings/:record_id.json).
func (c *Client) RenameRecording(ctx context.Context, recordID, name string) (*Recording, error) {
	if err := checkRecordID(recordID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(name) == "" {
		return nil, errors.New("greenlight: RenameRecording: empty name")
	}
	var r Recording
	if err := c.call(ctx, request{method: http.MethodPatch, path: "recordings/" + url.PathEscape(recordID) + ".json",
		body: map[string]any{"recording": map[string]string{"name": name}}, out: &r}); err != nil {
		return nil, err
	}
	return &r, nil
}

// DeleteRecording deletes a recording (DELETE /api/v1/recordings/:record_id.json).
func (c *Client) DeleteRecording(ctx context.Context, recordID string) error {
	if err := checkRecordID(recordID); err != nil {
		return err
	}
	return c.call(ctx, request{method: http.MethodDelete, path: "recordings/" + url.PathEscape(recordID) + ".json"})
}

// SetRecordingVisibility changes who can see a recording
// (POST /api/v1/recordings/update_visibility.json).
func (c *Client) SetRecordingVisibility(ctx context.Context, recordID string, v Visibility) error {
	if err := checkRecordID(recordID); err != nil {
		return err
	}
	switch v {
	case Unpublished, Published, Public, Protected, PublicProtected:
	default:
		return errors.New("greenlight: SetRecordingVisibility: unknown visibility " + quoteShort(string(v)))
	}
	return c.call(ctx, request{method: http.MethodPost, path: "recordings/update_visibility.json",
		body: map[string]string{"id": recordID, "visibility": string(v)}})
}
