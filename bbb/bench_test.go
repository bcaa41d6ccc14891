package bbb_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
)

var benchJoin = &bbb.JoinParams{
	FullName:   "Alice Ängström",
	MeetingID:  "3f1c7a2e-9b1d-4c55-8d2e-5a6b7c8d9e0f",
	Role:       bbb.RoleModerator,
	UserID:     "u-48151623",
	CreateTime: time.UnixMilli(1764115200123),
}

// BenchmarkJoinURL builds and signs a typical join URL; compare with
// BenchmarkJoinURLBaselineHash, which only hashes the same bytes with the
// same algorithm (SHA-256).
func BenchmarkJoinURL(b *testing.B) {
	c, err := bbb.New("https://bbb.example.org/bigbluebutton/", testSecret)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.JoinURL(benchJoin); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJoinURLBaselineHash(b *testing.B) {
	c, _ := bbb.New("https://bbb.example.org/bigbluebutton/", testSecret)
	u, _ := c.JoinURL(benchJoin)
	_, raw, _ := strings.Cut(u, "?")
	q, _, _ := strings.Cut(raw, "&checksum=")
	in := []byte("join" + q + testSecret)
	b.ReportAllocs()
	for b.Loop() {
		_ = sha256.Sum256(in)
	}
}

// recordingsDoc renders a getRecordings answer of n recordings in the shape
// BigBlueButton 3.0 sends.
func recordingsDoc(n int) []byte {
	var b bytes.Buffer
	b.WriteString("<response><returncode>SUCCESS</returncode><recordings>")
	for i := range n {
		id := fmt.Sprintf("%040x-%d", i, 1764115200000+i)
		fmt.Fprintf(&b, `<recording><recordID>%s</recordID><meetingID>room-%d</meetingID><internalMeetingID>%s</internalMeetingID>`+
			`<name><![CDATA[Lecture %d]]></name><isBreakout>false</isBreakout><published>true</published><state>published</state>`+
			`<startTime>%d</startTime><endTime>%d</endTime><participants>%d</participants><rawSize>1,048,576</rawSize>`+
			`<metadata><bbb-origin>greenlight</bbb-origin><gl-listed>true</gl-listed><meetingName>Lecture %d</meetingName></metadata>`+
			`<size>524288</size><playback><format><type>presentation</type><url>https://bbb.example.org/playback/presentation/2.3/%s</url>`+
			`<processingTime>7177</processingTime><length>60</length><size>524288</size><preview><images>`+
			`<image alt="Welcome" height="136" width="176">https://bbb.example.org/presentation/%s/thumbnails/thumb-1.png</image>`+
			`<image alt="Agenda" height="136" width="176">https://bbb.example.org/presentation/%s/thumbnails/thumb-2.png</image>`+
			`</images></preview></format></playback></recording>`,
			id, i, id, i, 1764115200000+i, 1764118800000+i, i%50, i, id, id, id)
	}
	fmt.Fprintf(&b, "</recordings><totalElements>%d</totalElements></response>", n)
	return b.Bytes()
}

// BenchmarkDecodeRecordings decodes a 1,000-recording answer through the
// client; compare with BenchmarkDecodeRecordingsBaselineTokenScan, a bare
// encoding/xml token scan of the same document.
func BenchmarkDecodeRecordings(b *testing.B) {
	doc := recordingsDoc(1000)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		page, err := bbb.ParseRecordings(doc)
		if err != nil || len(page.Recordings) != 1000 {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeRecordingsBaselineTokenScan(b *testing.B) {
	doc := recordingsDoc(1000)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		d := xml.NewDecoder(bytes.NewReader(doc))
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkJoinURLVsHash interleaves blocks of JoinURL with blocks of the
// baseline hash in the same loop and reports their ratio ("x-hash"), which
// stays meaningful on a busy machine where separate benchmarks drift.
func BenchmarkJoinURLVsHash(b *testing.B) {
	c, _ := bbb.New("https://bbb.example.org/bigbluebutton/", testSecret)
	benchVsHash(b, c, func() {
		if _, err := c.JoinURL(benchJoin); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkAppendJoinURLVsHash does the same for AppendJoinURL into a
// reused buffer: the work of JoinURL without the allocation of the string
// it returns.
func BenchmarkAppendJoinURLVsHash(b *testing.B) {
	c, _ := bbb.New("https://bbb.example.org/bigbluebutton/", testSecret)
	var buf []byte
	benchVsHash(b, c, func() {
		var err error
		if buf, err = c.AppendJoinURL(buf[:0], benchJoin); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkURLAllocVsHash measures what JoinURL cannot avoid: allocating
// and filling a string of the join URL's size, against the same hash.
func BenchmarkURLAllocVsHash(b *testing.B) {
	c, _ := bbb.New("https://bbb.example.org/bigbluebutton/", testSecret)
	u, _ := c.JoinURL(benchJoin)
	benchVsHash(b, c, func() { benchSink = strings.Clone(u) })
}

var benchSink string

// benchVsHash runs blocks of f interleaved with blocks of hashing the bytes
// JoinURL signs, and reports the time ratio as "x-hash".
func benchVsHash(b *testing.B, c *bbb.Client, f func()) {
	u, _ := c.JoinURL(benchJoin)
	_, raw, _ := strings.Cut(u, "?")
	q, _, _ := strings.Cut(raw, "&checksum=")
	in := []byte("join" + q + testSecret)
	const block = 256
	var tJoin, tHash time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		for range block {
			f()
		}
		t1 := time.Now()
		for range block {
			_ = sha256.Sum256(in)
		}
		tJoin += t1.Sub(t0)
		tHash += time.Since(t1)
	}
	b.ReportMetric(float64(tJoin)/float64(tHash), "x-hash")
}

// BenchmarkDecodeRecordingsVsTokenScan does the same for decoding 1,000
// recordings against a bare encoding/xml token scan ("x-scan").
func BenchmarkDecodeRecordingsVsTokenScan(b *testing.B) {
	doc := recordingsDoc(1000)
	var tDecode, tScan time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := bbb.ParseRecordings(doc); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		d := xml.NewDecoder(bytes.NewReader(doc))
		for {
			if _, err := d.Token(); err != nil {
				break
			}
		}
		tDecode += t1.Sub(t0)
		tScan += time.Since(t1)
	}
	b.ReportMetric(float64(tDecode)/float64(tScan), "x-scan")
}
