package mirror

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"time"
)

// MaxMetadataSize bounds how much of a metadata.xml is read.
const MaxMetadataSize = 4 << 20

// Metadata is the part of a BBB recording's metadata.xml that the mirror
// checks and uses.
type Metadata struct {
	RecordID  string            // <id>
	State     string            // <state>: published, unpublished, ...
	Published bool              // <published>
	StartTime time.Time         // <start_time>, milliseconds since the epoch
	EndTime   time.Time         // <end_time>
	Format    string            // <playback><format>, empty if absent
	Meta      map[string]string // children of <meta>
}

type metadataXML struct {
	XMLName   xml.Name `xml:"recording"`
	ID        string   `xml:"id"`
	State     string   `xml:"state"`
	Published string   `xml:"published"`
	StartTime string   `xml:"start_time"`
	EndTime   string   `xml:"end_time"`
	Meta      struct {
		Items []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:",any"`
	} `xml:"meta"`
	Playback struct {
		Format string `xml:"format"`
	} `xml:"playback"`
}

// ParseMetadata decodes a metadata.xml. It checks that the document is a
// single <recording> element with a valid <id>; times must be integers when
// present. It does not compare against a directory: see ValidateMetadata.
func ParseMetadata(data []byte) (*Metadata, error) {
	if len(data) > MaxMetadataSize {
		return nil, &MetadataError{Reason: "larger than the limit"}
	}
	var m metadataXML
	dec := xml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return nil, &MetadataError{Reason: "not a <recording> document", Err: err}
	}
	// Nothing but whitespace, comments or processing instructions may follow.
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &MetadataError{Reason: "trailing data", Err: err}
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return nil, &MetadataError{Reason: "trailing data"}
			}
		case xml.Comment, xml.ProcInst:
		default:
			return nil, &MetadataError{Reason: "trailing data"}
		}
	}
	out := &Metadata{
		RecordID: strings.TrimSpace(m.ID),
		State:    strings.TrimSpace(m.State),
		Format:   strings.TrimSpace(m.Playback.Format),
	}
	if !ValidRecordID(out.RecordID) {
		return nil, &MetadataError{Reason: "missing or invalid <id>"}
	}
	switch p := strings.TrimSpace(m.Published); p {
	case "true":
		out.Published = true
	case "false", "":
	default:
		return nil, &MetadataError{RecordID: out.RecordID, Reason: "invalid <published>"}
	}
	var err error
	if out.StartTime, err = parseMillis(m.StartTime); err != nil {
		return nil, &MetadataError{RecordID: out.RecordID, Reason: "invalid <start_time>", Err: err}
	}
	if out.EndTime, err = parseMillis(m.EndTime); err != nil {
		return nil, &MetadataError{RecordID: out.RecordID, Reason: "invalid <end_time>", Err: err}
	}
	if len(m.Meta.Items) > 0 {
		out.Meta = make(map[string]string, len(m.Meta.Items))
		for _, it := range m.Meta.Items {
			out.Meta[it.XMLName.Local] = strings.TrimSpace(it.Value)
		}
	}
	return out, nil
}

func parseMillis(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(ms).UTC(), nil
}

// ValidateMetadata parses data and checks that it belongs in
// <format>/<recordID>: the <id> must equal recordID and, when the document
// names a playback format, it must equal format.
func ValidateMetadata(data []byte, format, recordID string) (*Metadata, error) {
	m, err := ParseMetadata(data)
	if err != nil {
		if me, ok := err.(*MetadataError); ok {
			me.RecordID, me.Format = recordID, format
		}
		return nil, err
	}
	if m.RecordID != recordID {
		return nil, &MetadataError{RecordID: recordID, Format: format, Reason: "<id> is " + strconv.Quote(m.RecordID)}
	}
	if m.Format != "" && m.Format != format {
		return nil, &MetadataError{RecordID: recordID, Format: format, Reason: "<playback><format> is " + strconv.Quote(m.Format)}
	}
	return m, nil
}

// recordTime returns the start time encoded in a BBB record ID
// ("<hash>-<milliseconds>"), or the zero time.
func recordTime(id string) time.Time {
	i := strings.LastIndexByte(id, '-')
	if i < 0 || len(id)-i-1 < 10 {
		return time.Time{}
	}
	ms, err := strconv.ParseInt(id[i+1:], 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
