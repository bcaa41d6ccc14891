package bbbtest

import (
	"bytes"
	"encoding/xml"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// treeOf reads every regular file under dir, by slash-separated path.
func treeOf(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			out[filepath.ToSlash(rel)] = b
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// metadataDoc is what the tests read back from a metadata.xml.
type metadataDoc struct {
	XMLName   xml.Name `xml:"recording"`
	ID        string   `xml:"id"`
	State     string   `xml:"state"`
	Published bool     `xml:"published"`
	StartTime int64    `xml:"start_time"`
	EndTime   int64    `xml:"end_time"`
	Meeting   struct {
		ID         string `xml:"id,attr"`
		ExternalID string `xml:"externalId,attr"`
		Name       string `xml:"name,attr"`
	} `xml:"meeting"`
	Meta struct {
		Items []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:",any"`
	} `xml:"meta"`
	Playback struct {
		Format   string `xml:"format"`
		Link     string `xml:"link"`
		Duration int64  `xml:"duration"`
		Size     int64  `xml:"size"`
		Images   []struct {
			Alt string `xml:"alt,attr"`
			URL string `xml:",chardata"`
		} `xml:"extensions>preview>images>image"`
	} `xml:"playback"`
}

func (m metadataDoc) meta(key string) string {
	for _, it := range m.Meta.Items {
		if it.XMLName.Local == key {
			return it.Value
		}
	}
	return ""
}

func readMetadata(t *testing.T, path string) metadataDoc {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m metadataDoc
	if err := xml.Unmarshal(b, &m); err != nil {
		t.Fatalf("metadata.xml: %v\n%s", err, b)
	}
	return m
}

// recordMeeting runs a recorded meeting with one user and ends it.
func recordMeeting(t *testing.T, s *Server, id string, clock *FakeClock) {
	t.Helper()
	expectKey(t, get(t, s, "create", q("name", "Room "+id, "meetingID", id, "record", "true", "meta_course", "physics")), "SUCCESS", "")
	if _, err := s.Join(id, User{FullName: "Ada", Role: "MODERATOR"}); err != nil {
		t.Fatal(err)
	}
	if clock != nil {
		clock.Advance(20 * time.Minute)
	}
	expectKey(t, get(t, s, "end", q("meetingID", id)), "SUCCESS", "sentEndMeetingRequest")
}

func TestRecordingsDirLifecycle(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clock := NewFakeClock(time.Time{})
	const size = 256 << 10
	s := newTestServer(t, WithClock(clock.Now), WithPublishDelay(time.Minute), WithRecordingsDir(dir), WithRecordingSize(size))
	recordMeeting(t, s, "lecture-1", clock)
	recs := s.Recordings()
	if len(recs) != 1 || recs[0].State != StateProcessing {
		t.Fatalf("recordings: %+v", recs)
	}
	id := recs[0].RecordID
	recDir := filepath.Join(dir, "presentation", id)
	if _, err := os.Stat(recDir); !os.IsNotExist(err) {
		t.Fatalf("files of a processing recording exist: %v", err)
	}

	clock.Advance(time.Minute)
	tree := treeOf(t, recDir)
	pres := sha1Hex(id+"/default.pdf") + "-" + strconv.FormatInt(recs[0].StartTime.UnixMilli(), 10)
	for _, want := range []string{
		"metadata.xml", "shapes.svg", "slides_new.xml", "panzooms.xml", "cursor.xml", "deskshare.xml",
		"captions.json", "presentation_text.json", "external_videos.json", "video/webcams.webm",
		"presentation/" + pres + "/slide-1.png", "presentation/" + pres + "/thumbnails/thumb-3.png",
		"presentation/" + pres + "/textfiles/slide-2.txt",
	} {
		if _, ok := tree[want]; !ok {
			t.Errorf("%s missing from %s", want, recDir)
		}
	}
	var media int64
	for name, b := range tree {
		if name != "metadata.xml" {
			media += int64(len(b))
		}
	}
	if media < size*9/10 || media > size*11/10 {
		t.Errorf("recording holds %d bytes, want %d±10%%", media, size)
	}
	if !bytes.HasPrefix(tree["video/webcams.webm"], webmMagic) || !bytes.HasPrefix(tree["presentation/"+pres+"/slide-1.png"], pngMagic) {
		t.Error("media files do not start with their magic numbers")
	}

	md := readMetadata(t, filepath.Join(recDir, "metadata.xml"))
	if md.ID != id || md.State != "published" || !md.Published || md.Meeting.ExternalID != "lecture-1" ||
		md.Meeting.ID != id || md.meta("course") != "physics" || md.meta("meetingId") != "lecture-1" ||
		md.Playback.Format != "presentation" || !strings.HasSuffix(md.Playback.Link, "/playback/presentation/2.3/"+id) ||
		md.Playback.Duration != md.EndTime-md.StartTime || md.Playback.Size != media || len(md.Playback.Images) != 3 {
		t.Errorf("metadata.xml: %+v", md)
	}
	// The preview images of getRecordings point at files of the tree.
	r := recordings(t, s, "")
	if len(r.Recordings) != 1 || len(r.Recordings[0].Formats) != 1 {
		t.Fatalf("getRecordings: %+v", r)
	}
	for _, im := range r.Recordings[0].Formats[0].Images {
		rel := im.URL[strings.Index(im.URL, "/presentation/"+id+"/")+len("/presentation/"+id+"/"):]
		if _, ok := tree[rel]; !ok {
			t.Errorf("preview image %s is not in the tree", im.URL)
		}
	}
	if got := xmlField(t, get(t, s, "getRecordings", "").body, "size"); got != strconv.FormatInt(media, 10) {
		t.Errorf("getRecordings size %s, want %d", got, media)
	}
	if leftovers, _ := os.ReadDir(filepath.Join(dir, RecordingsStagingDir)); len(leftovers) != 0 {
		t.Errorf("staging directory not empty: %v", leftovers)
	}

	// updateRecordings rewrites metadata.xml, nothing else.
	expectKey(t, get(t, s, "updateRecordings", q("recordID", id, "meta_course", "chemistry")), "SUCCESS", "")
	if got := readMetadata(t, filepath.Join(recDir, "metadata.xml")).meta("course"); got != "chemistry" {
		t.Errorf("metadata after update: course=%q", got)
	}
	// Unpublishing removes the recording from the published tree,
	// publishing brings back the same bytes.
	expectKey(t, get(t, s, "publishRecordings", q("recordID", id, "publish", "false")), "SUCCESS", "")
	if _, err := os.Stat(recDir); !os.IsNotExist(err) {
		t.Fatalf("unpublished recording still in the tree: %v", err)
	}
	expectKey(t, get(t, s, "publishRecordings", q("recordID", id, "publish", "true")), "SUCCESS", "")
	again := treeOf(t, recDir)
	for name, b := range tree {
		if name != "metadata.xml" && !bytes.Equal(again[name], b) {
			t.Errorf("%s differs after republishing", name)
		}
	}
	expectKey(t, get(t, s, "deleteRecordings", q("recordID", id)), "SUCCESS", "")
	if _, err := os.Stat(recDir); !os.IsNotExist(err) {
		t.Fatalf("deleted recording still in the tree: %v", err)
	}
	if leftovers, _ := os.ReadDir(filepath.Join(dir, RecordingsStagingDir)); len(leftovers) != 0 {
		t.Errorf("staging directory not empty: %v", leftovers)
	}
	for _, rs := range s.Recordings() {
		if rs.FilesError != "" {
			t.Errorf("files error: %s", rs.FilesError)
		}
	}
}

// TestRecordingsDirDeterministic checks that contents and sizes are a
// function of the record ID: two servers with the same clock write the
// same bytes, and different recordings get different sizes.
func TestRecordingsDirDeterministic(t *testing.T) {
	t.Parallel()
	var trees []map[string][]byte
	var ids []string
	for range 2 {
		dir := t.TempDir()
		clock := NewFakeClock(time.Time{})
		s := newTestServer(t, WithClock(clock.Now), WithRecordingsDir(dir), WithRecordingSize(128<<10))
		recordMeeting(t, s, "same-room", clock)
		id := s.Recordings()[0].RecordID
		ids = append(ids, id)
		trees = append(trees, treeOf(t, filepath.Join(dir, "presentation", id)))
	}
	if ids[0] != ids[1] || len(trees[0]) != len(trees[1]) {
		t.Fatalf("record IDs %v, %d and %d files", ids, len(trees[0]), len(trees[1]))
	}
	for name, b := range trees[0] {
		if name == "metadata.xml" {
			continue // carries the server's own URL
		}
		if !bytes.Equal(trees[1][name], b) {
			t.Errorf("%s differs between two servers", name)
		}
	}
	sizes := map[int64]bool{}
	for i := range 8 {
		r := &recording{id: sha1Hex("room-"+strconv.Itoa(i)) + "-1767225600000", startTime: 1767225600000, endTime: 1767227400000}
		sizes[mediaSize(recordingMedia(r, 1<<20))] = true
	}
	if len(sizes) < 6 {
		t.Errorf("8 recordings have only %d distinct sizes", len(sizes))
	}
}

func TestRecordingsDirAddRecordingAndReset(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := newTestServer(t, WithRecordingsDir(dir), WithRecordingSize(64<<10))
	pub, err := s.AddRecording(RecordingSpec{MeetingID: "added", Metadata: map[string]string{"origin": "test"}})
	if err != nil {
		t.Fatal(err)
	}
	unpub, err := s.AddRecording(RecordingSpec{MeetingID: "hidden", State: StateUnpublished})
	if err != nil {
		t.Fatal(err)
	}
	if md := readMetadata(t, filepath.Join(dir, "presentation", pub, "metadata.xml")); md.ID != pub || md.meta("origin") != "test" {
		t.Errorf("metadata of an added recording: %+v", md)
	}
	if _, err := os.Stat(filepath.Join(dir, "presentation", unpub)); !os.IsNotExist(err) {
		t.Errorf("unpublished recording written: %v", err)
	}
	s.Reset()
	if entries, _ := os.ReadDir(filepath.Join(dir, "presentation")); len(entries) != 0 {
		t.Errorf("Reset left %d recordings on disk", len(entries))
	}
}

// TestRecordingsDirWriteFailure makes the tree unwritable: the recording
// stays processed and says why, and nothing half-written is visible.
func TestRecordingsDirWriteFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clock := NewFakeClock(time.Time{})
	s := newTestServer(t, WithClock(clock.Now), WithRecordingsDir(dir), WithRecordingSize(64<<10))
	// A file where the format directory should be.
	if err := os.WriteFile(filepath.Join(dir, "presentation"), []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	recordMeeting(t, s, "doomed", clock)
	recs := s.Recordings()
	if len(recs) != 1 || recs[0].State != StateProcessed || recs[0].FilesError == "" {
		t.Fatalf("recording after a failed publish: %+v", recs)
	}
	expectKey(t, get(t, s, "getRecordings", ""), "SUCCESS", "noRecordings")
	if leftovers, _ := os.ReadDir(filepath.Join(dir, RecordingsStagingDir)); len(leftovers) != 0 {
		t.Errorf("staging directory not empty: %v", leftovers)
	}
	if _, err := s.AddRecording(RecordingSpec{MeetingID: "added"}); err == nil {
		t.Error("AddRecording succeeded without writing its files")
	}
	if strings.Contains(recs[0].FilesError, s.Secret) {
		t.Error("files error carries the secret")
	}
}

func TestRecordingsDirOptions(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, opts := range map[string][]Option{
		"empty dir":          {WithRecordingsDir(" ")},
		"tiny size":          {WithRecordingsDir(t.TempDir()), WithRecordingSize(1000)},
		"dir below a file":   {WithRecordingsDir(filepath.Join(file, "published"))},
		"negative size only": {WithRecordingSize(-1)},
	} {
		if s, err := New(opts...); err == nil {
			s.Close()
			t.Errorf("%s: New accepted the options", name)
		}
	}
	dir := filepath.Join(t.TempDir(), "var", "published")
	s, err := New(WithRecordingsDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Errorf("New did not create the recordings directory: %v", err)
	}
}

// FuzzMetadataXML checks that metadata.xml parses, whatever the meeting
// name, meeting ID and metadata values, and keeps what was put in.
func FuzzMetadataXML(f *testing.F) {
	f.Add("Weekly sync", "room-1", "physics")
	f.Add("<&\"'>", "a b", "\x00\xff\ufffe")
	f.Add("", "", "]]>")
	s, err := New()
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	f.Fuzz(func(t *testing.T, name, meetingID, value string) {
		r := &recording{
			id: sha1Hex(meetingID) + "-1767225600000", extMeetingID: meetingID, name: name,
			state: StatePublished, startTime: 1767225600000, endTime: 1767227400000,
			meta: map[string]string{"course": value, "meetingName": name},
		}
		var md metadataDoc
		if err := xml.Unmarshal(s.metadataXML(r), &md); err != nil {
			t.Fatalf("metadata.xml does not parse: %v", err)
		}
		// Parsers turn line breaks in element text into "\n".
		text := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace
		if md.ID != r.id || md.Meeting.ExternalID != validXMLText(meetingID) || md.Meeting.Name != validXMLText(name) ||
			md.meta("course") != text(validXMLText(value)) {
			t.Fatalf("metadata.xml lost data: %+v", md)
		}
	})
}

// BenchmarkWriteRecordingFiles writes a 4 MiB recording (files and
// metadata.xml, staged and renamed into place); the baseline writes the
// same number of bytes to one file.
func BenchmarkWriteRecordingFiles(b *testing.B) {
	const size = 4 << 20
	r := &recording{id: sha1Hex("bench") + "-1767225600000", extMeetingID: "bench", name: "Bench", state: StatePublished,
		startTime: 1767225600000, endTime: 1767227400000, meta: map[string]string{}}
	b.Run("baseline-one-file", func(b *testing.B) {
		dir := b.TempDir()
		buf := make([]byte, size)
		b.SetBytes(size)
		for b.Loop() {
			if err := os.WriteFile(filepath.Join(dir, "blob"), buf, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("recording", func(b *testing.B) {
		s, err := New(WithRecordingsDir(b.TempDir()), WithRecordingSize(size))
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		b.SetBytes(size)
		for b.Loop() {
			s.mu.Lock()
			err := s.writeRecordingFilesLocked(r)
			s.mu.Unlock()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
