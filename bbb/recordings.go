package bbb

import (
	"context"
	"encoding/xml"
	"iter"
	"net/url"
	"strconv"
	"strings"

	"github.com/bbbkit/bbbkit/internal/xmlx"
)

// GetRecordingsParams filters getRecordings. Empty fields are not sent.
type GetRecordingsParams struct {
	// MeetingIDs are external meeting IDs.
	MeetingIDs []string
	// RecordIDs are recording IDs; servers also accept a prefix.
	RecordIDs []string
	// States defaults on the server to published and unpublished; use
	// StateAny for all.
	States []string
	// Meta filters on meta_<key>=<value>.
	Meta map[string]string
	// Offset and Limit page the answer (BigBlueButton 2.6+; Limit 1 to 100).
	Offset int
	Limit  int
	Extra  url.Values
}

func (p *GetRecordingsParams) values() (url.Values, error) {
	const call = "getRecordings"
	v := url.Values{}
	if p == nil {
		return v, nil
	}
	if len(p.MeetingIDs) > 0 {
		v.Set("meetingID", strings.Join(p.MeetingIDs, ","))
	}
	if len(p.RecordIDs) > 0 {
		v.Set("recordID", strings.Join(p.RecordIDs, ","))
	}
	if len(p.States) > 0 {
		v.Set("state", strings.Join(p.States, ","))
	}
	if p.Offset < 0 {
		return nil, paramErr(call, "offset", "must not be negative")
	}
	if p.Limit < 0 || p.Limit > 100 {
		return nil, paramErr(call, "limit", "must be between 1 and 100")
	}
	if p.Offset > 0 {
		v.Set("offset", strconv.Itoa(p.Offset))
	}
	if p.Limit > 0 {
		v.Set("limit", strconv.Itoa(p.Limit))
	}
	for k, val := range p.Meta {
		if !ValidMetaKey(k) {
			return nil, paramErr(call, "meta_"+k, "metadata keys must match [a-zA-Z][a-zA-Z0-9-]*")
		}
		v.Set("meta_"+k, val)
	}
	for k, vals := range p.Extra {
		if _, dup := v[k]; dup || k == "" || strings.EqualFold(k, "checksum") {
			return nil, paramErr(call, k, "not allowed in Extra")
		}
		v[k] = vals
	}
	return v, nil
}

// RecordingsPage is one answer of getRecordings.
type RecordingsPage struct {
	// Answer holds the server's messageKey and message, such as
	// "noRecordings" for an empty answer.
	Answer
	Recordings []Recording
	// TotalElements is the number of recordings matching the filter when
	// the server pages (BigBlueButton 2.6+); Paged says whether it did.
	TotalElements int
	Paged         bool
}

type getRecordingsResponse struct {
	Envelope
	page RecordingsPage
}

// UnmarshalXML implements xml.Unmarshaler.
func (r *getRecordingsResponse) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if start.Name.Local != "response" {
		return errNotResponse(start)
	}
	f := fieldDecoder{d: d}
	err := xmlx.Children(d, func(el xml.StartElement) error {
		if r.decodeEnvelopeField(&f, el) {
			return f.err
		}
		switch el.Name.Local {
		case "recordings":
			return xmlx.Children(d, func(el xml.StartElement) error {
				if el.Name.Local != "recording" {
					return d.Skip()
				}
				r.page.Recordings = append(r.page.Recordings, Recording{})
				return r.page.Recordings[len(r.page.Recordings)-1].UnmarshalXML(d, el)
			})
		case "totalElements":
			r.page.TotalElements = f.int()
			r.page.Paged = true
		default:
			f.skip()
		}
		return f.err
	})
	if err != nil {
		return err
	}
	return f.err
}

// GetRecordings returns one page of recordings. No recordings is an empty
// page and no error (the server's noRecordings key).
func (c *Client) GetRecordings(ctx context.Context, p *GetRecordingsParams) (*RecordingsPage, error) {
	v, err := p.values()
	if err != nil {
		return nil, err
	}
	var out getRecordingsResponse
	if err := c.getXML(ctx, "getRecordings", EncodeQuery(v), &out); err != nil {
		return nil, err
	}
	out.page.Answer = out.Answer
	return &out.page, nil
}

// Recordings walks every recording matching p, page by page (p.Limit per
// page, 100 when unset), starting at p.Offset. Against a server that does not
// page (before 2.6), the first answer holds everything and the walk ends
// there. Iteration stops at the first error, which is yielded.
func (c *Client) Recordings(ctx context.Context, p *GetRecordingsParams) iter.Seq2[Recording, error] {
	return func(yield func(Recording, error) bool) {
		q := GetRecordingsParams{}
		if p != nil {
			q = *p
		}
		if q.Limit == 0 {
			q.Limit = 100
		}
		for {
			page, err := c.GetRecordings(ctx, &q)
			if err != nil {
				yield(Recording{}, err)
				return
			}
			for _, r := range page.Recordings {
				if !yield(r, nil) {
					return
				}
			}
			q.Offset += len(page.Recordings)
			if !page.Paged || len(page.Recordings) == 0 || q.Offset >= page.TotalElements {
				return
			}
		}
	}
}

type publishResponse struct {
	Envelope
	Published bool `xml:"published"`
	Deleted   bool `xml:"deleted"`
	Updated   bool `xml:"updated"`
}

func recordIDs(call string, ids []string) (string, error) {
	if len(ids) == 0 {
		return "", paramErr(call, "recordID", "at least one recording ID")
	}
	for _, id := range ids {
		if id == "" || strings.Contains(id, ",") {
			return "", paramErr(call, "recordID", "IDs must be non-empty and contain no comma")
		}
	}
	return "recordID=" + Escape(strings.Join(ids, ",")), nil
}

// PublishRecordings publishes (publish true) or unpublishes recordings. It
// returns the server's <published> value.
func (c *Client) PublishRecordings(ctx context.Context, ids []string, publish bool, opts ...CallOption) (bool, error) {
	const call = "publishRecordings"
	q, err := recordIDs(call, ids)
	if err != nil {
		return false, err
	}
	var out publishResponse
	if err := c.getXML(ctx, call, "publish="+strconv.FormatBool(publish)+"&"+q, &out); err != nil {
		return false, err
	}
	captureAnswer(opts, out.Answer)
	return out.Published, nil
}

// DeleteRecordings deletes recordings. Unknown IDs are an *Error matching
// ErrNotFound.
func (c *Client) DeleteRecordings(ctx context.Context, ids []string, opts ...CallOption) (bool, error) {
	const call = "deleteRecordings"
	q, err := recordIDs(call, ids)
	if err != nil {
		return false, err
	}
	var out publishResponse
	if err := c.getXML(ctx, call, q, &out); err != nil {
		return false, err
	}
	captureAnswer(opts, out.Answer)
	return out.Deleted, nil
}

// UpdateRecordings sets metadata of recordings: each entry of meta sets
// meta_<key>; an empty value deletes the key.
func (c *Client) UpdateRecordings(ctx context.Context, ids []string, meta map[string]string, opts ...CallOption) (bool, error) {
	const call = "updateRecordings"
	q, err := recordIDs(call, ids)
	if err != nil {
		return false, err
	}
	v := url.Values{}
	for k, val := range meta {
		if !ValidMetaKey(k) {
			return false, paramErr(call, "meta_"+k, "metadata keys must match [a-zA-Z][a-zA-Z0-9-]*")
		}
		v.Set("meta_"+k, val)
	}
	if len(v) > 0 {
		q = EncodeQuery(v) + "&" + q
	}
	var out publishResponse
	if err := c.getXML(ctx, call, q, &out); err != nil {
		return false, err
	}
	captureAnswer(opts, out.Answer)
	return out.Updated, nil
}
