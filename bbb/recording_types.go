package bbb

import (
	"encoding/xml"
	"strconv"
	"time"
)

// Recording states for GetRecordingsParams.States.
const (
	StateProcessing  = "processing"
	StateProcessed   = "processed"
	StatePublished   = "published"
	StateUnpublished = "unpublished"
	StateDeleted     = "deleted"
	StateAny         = "any"
)

// Recording is one recording as getRecordings describes it.
type Recording struct {
	RecordID          string
	MeetingID         string // external meeting ID
	InternalMeetingID string
	Name              string
	IsBreakout        bool
	Published         bool
	State             string
	StartTime         time.Time // zero when the server sent none
	EndTime           time.Time
	Participants      int
	RawSize           int64
	Size              int64
	Metadata          map[string]string
	Playback          []PlaybackFormat
	// DataFormats are the <data> formats of BigBlueButton 2.6+ (such as
	// the learning dashboard's data), when present.
	DataFormats []PlaybackFormat
	// ParentMeetingID, Sequence and FreeJoin describe a breakout room's
	// recording (<breakout>); BreakoutRooms lists the breakout rooms of a
	// parent meeting's recording (<breakoutRooms>).
	ParentMeetingID string
	Sequence        int
	FreeJoin        bool
	BreakoutRooms   []string
	// Extra holds the elements bbbkit has no field for (newer servers,
	// custom builds), in order; nil when none.
	Extra []Element
}

// PlaybackFormat is one way to play a recording back (presentation,
// podcast, video, ...).
type PlaybackFormat struct {
	Type           string
	URL            string
	ProcessingTime int   // milliseconds
	Length         int   // minutes
	Size           int64 // bytes
	Preview        []Image
	Extra          []Element // elements bbbkit has no field for; nil when none
}

// Image is a preview thumbnail of a playback format.
type Image struct {
	URL    string
	Alt    string
	Width  int
	Height int
}

// UnmarshalXML implements xml.Unmarshaler for <recording>.
func (r *Recording) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	f := &fieldDecoder{d: d}
	return f.walk(func(el xml.StartElement) {
		switch el.Name.Local {
		case "recordID":
			r.RecordID = f.text()
		case "meetingID":
			r.MeetingID = f.text()
		case "internalMeetingID":
			r.InternalMeetingID = f.text()
		case "name":
			r.Name = f.text()
		case "isBreakout":
			r.IsBreakout = f.bool()
		case "published":
			r.Published = f.bool()
		case "state":
			r.State = f.text()
		case "startTime":
			r.StartTime = f.time()
		case "endTime":
			r.EndTime = f.time()
		case "participants":
			r.Participants = f.int()
		case "rawSize":
			r.RawSize = f.int64()
		case "size":
			r.Size = f.int64()
		case "metadata":
			r.Metadata = f.dict()
		case "playback":
			r.Playback = decodeFormats(f, r.Playback)
		case "data":
			r.DataFormats = decodeFormats(f, r.DataFormats)
		case "breakout":
			f.breakout("parentId", &r.ParentMeetingID, &r.Sequence, &r.FreeJoin)
		case "breakoutRooms":
			r.BreakoutRooms = f.breakoutRooms(r.BreakoutRooms)
		default:
			r.Extra = append(r.Extra, f.element(el))
		}
	})
}

func decodeFormats(f *fieldDecoder, dst []PlaybackFormat) []PlaybackFormat {
	f.err = f.walk(func(el xml.StartElement) {
		if el.Name.Local != "format" {
			f.skip()
			return
		}
		var pf PlaybackFormat
		f.err = f.walk(func(el xml.StartElement) {
			switch el.Name.Local {
			case "type":
				pf.Type = f.text()
			case "url":
				pf.URL = f.text()
			case "processingTime":
				pf.ProcessingTime = f.int()
			case "length":
				pf.Length = f.int()
			case "size":
				pf.Size = f.int64()
			case "preview":
				pf.Preview = decodePreview(f, pf.Preview)
			default:
				pf.Extra = append(pf.Extra, f.element(el))
			}
		})
		dst = append(dst, pf)
	})
	return dst
}

func decodePreview(f *fieldDecoder, dst []Image) []Image {
	f.err = f.walk(func(el xml.StartElement) {
		if el.Name.Local != "images" {
			f.skip()
			return
		}
		f.err = f.walk(func(el xml.StartElement) {
			if el.Name.Local != "image" {
				f.skip()
				return
			}
			img := Image{}
			for _, a := range el.Attr {
				switch a.Name.Local {
				case "alt":
					img.Alt = a.Value
				case "width":
					img.Width, _ = strconv.Atoi(a.Value)
				case "height":
					img.Height, _ = strconv.Atoi(a.Value)
				}
			}
			img.URL = f.text()
			dst = append(dst, img)
		})
	})
	return dst
}
