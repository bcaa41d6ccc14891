package bbbtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DefaultRecordingSize is the approximate size of the files WithRecordingsDir
// writes for one recording when WithRecordingSize is not given.
const DefaultRecordingSize = 2 << 20

// RecordingsStagingDir is the directory under the recordings directory where
// the server assembles a recording before renaming it into place. Its name
// starts with a dot, so tools reading the published tree (Scalelite's
// importer, scalelite/mirror) skip it.
const RecordingsStagingDir = ".bbbtest-staging"

// recordingFormat is the only playback format the fake produces.
const recordingFormat = "presentation"

// WithRecordingsDir makes the server keep a published tree on disk, laid out
// as BigBlueButton servers lay out /var/bigbluebutton/published:
//
//	<dir>/presentation/<recordID>/metadata.xml
//	<dir>/presentation/<recordID>/{shapes.svg,slides_new.xml,panzooms.xml,cursor.xml,...}
//	<dir>/presentation/<recordID>/video/webcams.webm
//	<dir>/presentation/<recordID>/presentation/<presentationID>/{slide-N.png,thumbnails/thumb-N.png,textfiles/slide-N.txt}
//
// A recording's directory appears when the recording is published, complete
// (it is assembled under RecordingsStagingDir and renamed into place); it
// is removed when the recording is unpublished or deleted (a real server
// moves unpublished recordings to a separate tree, which the fake does not
// keep), and its metadata.xml is replaced when updateRecordings changes
// the metadata. File contents are pseudo-random but a function of the
// record ID, so the same recording always has the same bytes; sizes follow
// WithRecordingSize. The getRecordings size of such a recording is the
// total size of its files other than metadata.xml.
//
// If the files cannot be written, the recording stays in the processed
// state, like a real server whose publish step failed, and
// RecordingState.FilesError says why. New creates dir if needed.
func WithRecordingsDir(dir string) Option {
	return func(c *config) error {
		if strings.TrimSpace(dir) == "" {
			return errors.New("bbbtest: empty recordings directory")
		}
		c.recDir = dir
		return nil
	}
}

// WithRecordingSize sets the approximate number of bytes written for each
// recording by WithRecordingsDir (default DefaultRecordingSize, at least
// 64 KiB). The exact size varies between 90% and 110% of it, determined by
// the record ID.
func WithRecordingSize(n int64) Option {
	return func(c *config) error {
		if n < 64<<10 {
			return errors.New("bbbtest: recording size must be at least 64 KiB")
		}
		c.recSize = n
		return nil
	}
}

// prepareRecordingsDir creates the recordings directory (New).
func prepareRecordingsDir(c *config) error {
	if c.recDir == "" {
		return nil
	}
	if c.recSize == 0 {
		c.recSize = DefaultRecordingSize
	}
	if err := os.MkdirAll(filepath.Join(c.recDir, RecordingsStagingDir), 0o755); err != nil {
		return fmt.Errorf("bbbtest: recordings directory: %w", err)
	}
	return nil
}

// recordingFile is one file of a recording's presentation format other than
// metadata.xml.
type recordingFile struct {
	path  string
	size  int64
	text  []byte // content of a text file
	magic []byte // first bytes of a binary file; the rest is pseudo-random
}

var (
	pngMagic  = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}
	webmMagic = []byte{0x1a, 0x45, 0xdf, 0xa3}
)

// slideTitles are the alt texts of the fake's three slides (see previewImages).
var slideTitles = []string{"Welcome", "Getting started", "Thank you"}

// presentationID is the directory name of the recording's default
// presentation, as the preview image URLs name it.
func presentationID(r *recording) string {
	return sha1Hex(r.id+"/default.pdf") + "-" + strconv.FormatInt(r.startTime, 10)
}

// recordingMedia lists the files of a recording other than metadata.xml.
// Everything is a function of the record ID, the start and end times and
// the configured size.
func recordingMedia(r *recording, target int64) []recordingFile {
	h := sha256.Sum256([]byte(r.id))
	total := target * int64(900+binary.BigEndian.Uint64(h[:8])%201) / 1000
	rng := mrand.New(mrand.NewPCG(binary.BigEndian.Uint64(h[8:16]), binary.BigEndian.Uint64(h[16:24])))
	dur := max(r.endTime-r.startTime, 1000)
	secs := func(ms int64) string { return strconv.FormatFloat(float64(ms)/1000, 'f', 1, 64) }
	pres := presentationID(r)
	third := dur / 3

	var files []recordingFile
	text := func(path, s string) {
		files = append(files, recordingFile{path: path, size: int64(len(s)), text: []byte(s)})
	}
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\n<recording id=\"cursor_events\">\n")
	for t := int64(0); t < dur && t < 600_000; t += 2000 {
		fmt.Fprintf(&b, "<event timestamp=\"%s\"><cursor>%.3f %.3f</cursor></event>\n", secs(t), rng.Float64(), rng.Float64())
	}
	b.WriteString("</recording>\n")
	text("cursor.xml", b.String())
	text("deskshare.xml", "<?xml version=\"1.0\"?>\n<recording id=\"deskshare_events\"></recording>\n")
	text("panzooms.xml", "<?xml version=\"1.0\"?>\n<recording id=\"panzoom_events\">\n<event timestamp=\"0.0\"><viewBox>0.0 0.0 1600.0 900.0</viewBox></event>\n</recording>\n")
	b.Reset()
	b.WriteString("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" version=\"1.1\" width=\"1600\" height=\"900\" id=\"svgfile\">\n")
	for i := range slideTitles {
		fmt.Fprintf(&b, "<image id=\"image%d\" class=\"slide\" in=\"%s\" out=\"%s\" xlink:href=\"presentation/%s/slide-%d.png\" width=\"1600\" height=\"900\" x=\"0\" y=\"0\" text=\"presentation/%s/textfiles/slide-%d.txt\"/>\n",
			i+1, secs(int64(i)*third), secs(int64(i+1)*third), pres, i+1, pres, i+1)
	}
	b.WriteString("</svg>\n")
	text("shapes.svg", b.String())
	b.Reset()
	b.WriteString("<?xml version=\"1.0\"?>\n<popcorn>\n")
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&b, "<chattimeline in=\"%s\" direction=\"down\" name=\"User %d\" senderId=\"w_%06x\" message=\"Message %d\" target=\"chat\"/>\n",
			secs(int64(i)*third+1000), i+1, rng.IntN(1<<24), i+1)
	}
	b.WriteString("</popcorn>\n")
	text("slides_new.xml", b.String())
	text("captions.json", "[]")
	text("external_videos.json", "[]")
	b.Reset()
	fmt.Fprintf(&b, "{%q:{", pres)
	for i, t := range slideTitles {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "\"%d\":%q", i+1, t)
	}
	b.WriteString("}}")
	text("presentation_text.json", b.String())
	for i, t := range slideTitles {
		text(fmt.Sprintf("presentation/%s/textfiles/slide-%d.txt", pres, i+1), t+"\n")
	}
	var used int64
	for _, f := range files {
		used += f.size
	}
	slide := min(total/64, 200<<10)
	thumb := min(total/512, 16<<10)
	for i := range slideTitles {
		files = append(files,
			recordingFile{path: fmt.Sprintf("presentation/%s/slide-%d.png", pres, i+1), size: slide + int64(rng.IntN(1024)), magic: pngMagic},
			recordingFile{path: fmt.Sprintf("presentation/%s/thumbnails/thumb-%d.png", pres, i+1), size: thumb + int64(rng.IntN(256)), magic: pngMagic})
		used += files[len(files)-2].size + files[len(files)-1].size
	}
	files = append(files, recordingFile{path: "video/webcams.webm", size: max(total-used, int64(len(webmMagic))), magic: webmMagic})
	return files
}

// mediaSize is the total size of recordingMedia.
func mediaSize(files []recordingFile) int64 {
	var n int64
	for _, f := range files {
		n += f.size
	}
	return n
}

// setFileSizeLocked makes the getRecordings size of r the size of its files
// on disk, when the server writes them. Callers hold s.mu.
func (s *Server) setFileSizeLocked(r *recording) {
	if s.cfg.recDir != "" {
		r.size = mediaSize(recordingMedia(r, s.cfg.recSize))
	}
}

// metadataXML prints the recording's metadata.xml as the publish step of
// the presentation format writes it.
func (s *Server) metadataXML(r *recording) []byte {
	var x xmlWriter
	x.b = append(x.b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"...)
	x.open("recording")
	x.elem("id", r.id)
	x.elem("state", r.state)
	x.boolElem("published", r.published())
	x.intElem("start_time", r.startTime)
	x.intElem("end_time", r.endTime)
	x.intElem("participants", int64(r.participants))
	x.intElem("raw_size", r.rawSize)
	x.b = append(x.b, `<meeting id="`...)
	x.b = appendAttr(x.b, r.id)
	x.b = append(x.b, `" externalId="`...)
	x.b = appendAttr(x.b, r.extMeetingID)
	x.b = append(x.b, `" name="`...)
	x.b = appendAttr(x.b, r.name)
	x.b = append(x.b, `" breakout="`...)
	x.b = strconv.AppendBool(x.b, r.isBreakout)
	x.b = append(x.b, "\"/>\n"...)
	x.open("meta")
	for _, k := range sortedKeys(r.meta) {
		if isXMLName(k) {
			x.elem(k, r.meta[k])
		}
	}
	x.close("meta")
	x.open("playback")
	x.elem("format", recordingFormat)
	x.elem("link", s.playbackURL(r.id))
	x.intElem("processing_time", r.processingTime)
	x.intElem("duration", max(r.endTime-r.startTime, 0))
	x.open("extensions")
	x.open("preview")
	x.open("images")
	for _, im := range s.previewImages(r) {
		x.image(im.width, im.height, im.alt, im.url)
	}
	x.close("images")
	x.close("preview")
	x.close("extensions")
	x.intElem("size", r.size)
	x.close("playback")
	x.close("recording")
	return x.b
}

// recordingDir is where a published recording lives.
func (s *Server) recordingDir(id string) string {
	return filepath.Join(s.cfg.recDir, recordingFormat, id)
}

// writeRecordingFilesLocked assembles the recording's files in the staging
// directory and renames them into place, replacing an older copy. Callers
// hold s.mu.
func (s *Server) writeRecordingFilesLocked(r *recording) error {
	if s.cfg.recDir == "" {
		return nil
	}
	staging := filepath.Join(s.cfg.recDir, RecordingsStagingDir)
	if err := os.MkdirAll(staging, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(staging, r.id+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	for _, f := range recordingMedia(r, s.cfg.recSize) {
		if err := writeRecordingFile(filepath.Join(tmp, filepath.FromSlash(f.path)), r.id, f); err != nil {
			return err
		}
	}
	md := s.metadataXML(r)
	if err := writeRecordingFile(filepath.Join(tmp, "metadata.xml"), r.id, recordingFile{size: int64(len(md)), text: md}); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(s.cfg.recDir, recordingFormat), 0o755); err != nil {
		return err
	}
	final := s.recordingDir(r.id)
	if _, err := os.Lstat(final); err == nil {
		if err := s.removeRecordingFilesLocked(r.id); err != nil {
			return err
		}
	}
	return os.Rename(tmp, final)
}

// writeRecordingFile writes one file, creating its parent directories.
func writeRecordingFile(path, id string, f recordingFile) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	if f.text != nil {
		_, err = out.Write(f.text)
		return err
	}
	if _, err := out.Write(f.magic); err != nil {
		return err
	}
	seed := sha256.Sum256([]byte(id + "\x00" + f.path))
	// Large writes: *os.File's ReadFrom would copy 32 KiB at a time.
	buf := make([]byte, min(f.size, 256<<10))
	_, err = io.CopyBuffer(struct{ io.Writer }{out}, io.LimitReader(mrand.NewChaCha8(seed), f.size-int64(len(f.magic))), buf)
	return err
}

// removeRecordingFilesLocked removes a recording's directory: renamed into
// the staging directory first, so it disappears at once. A recording
// without files is not an error. Callers hold s.mu.
func (s *Server) removeRecordingFilesLocked(id string) error {
	if s.cfg.recDir == "" {
		return nil
	}
	final := s.recordingDir(id)
	if _, err := os.Lstat(final); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	trash := filepath.Join(s.cfg.recDir, RecordingsStagingDir, fmt.Sprintf("trash-%s-%x", id, b))
	if err := os.Rename(final, trash); err != nil {
		return err
	}
	return os.RemoveAll(trash)
}

// rewriteMetadataLocked replaces a published recording's metadata.xml
// (after updateRecordings). Callers hold s.mu.
func (s *Server) rewriteMetadataLocked(r *recording) error {
	if s.cfg.recDir == "" || !r.published() {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Join(s.cfg.recDir, RecordingsStagingDir), "metadata-*.xml")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(s.metadataXML(r))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(s.recordingDir(r.id), "metadata.xml"))
}

// noteFilesErr remembers the last failure to keep r's files in step with
// its state.
func noteFilesErr(r *recording, err error) {
	if err != nil {
		r.filesErr = err.Error()
	}
}

// appendAttr escapes an attribute value: like element text, and with tabs
// and line breaks as character references, which parsers would otherwise
// turn into spaces.
func appendAttr(b []byte, s string) []byte {
	for {
		i := strings.IndexAny(s, "\t\n\r")
		if i < 0 {
			return appendEscaped(b, s)
		}
		b = appendEscaped(b, s[:i])
		b = append(b, "&#"...)
		b = strconv.AppendInt(b, int64(s[i]), 10)
		b = append(b, ';')
		s = s[i+1:]
	}
}
