package xmlx

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseInt(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"": 0, "42": 42, " 1,000 ": 1000, "1_204": 1204, "-7": -7, "104,857,600": 104857600} {
		got, err := ParseInt(in)
		if err != nil || got != want {
			t.Errorf("ParseInt(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"abc", "1.5", "12e3", strings.Repeat("9", 40)} {
		if _, err := ParseInt(bad); err == nil {
			t.Errorf("ParseInt(%q): no error", bad)
		}
	}
	_, err := ParseInt(strings.Repeat("f", 64))
	if err == nil || strings.Contains(err.Error(), "ffff") {
		t.Errorf("long values must not be quoted: %v", err)
	}
}

func TestParseBoolAndMillis(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{"true": true, "TRUE": true, " false ": false, "": false} {
		if got, err := ParseBool(in); err != nil || got != want {
			t.Errorf("ParseBool(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseBool("yes"); err == nil {
		t.Error("ParseBool(yes): no error")
	}
	if tm, err := ParseMillis("1764115200123"); err != nil || !tm.Equal(time.UnixMilli(1764115200123)) {
		t.Errorf("ParseMillis: %v %v", tm, err)
	}
	for _, zero := range []string{"", "0", " "} {
		if tm, err := ParseMillis(zero); err != nil || !tm.IsZero() {
			t.Errorf("ParseMillis(%q) = %v, %v; want zero", zero, tm, err)
		}
	}
}

func TestTextAndMap(t *testing.T) {
	t.Parallel()
	doc := `<m><a> x </a><b><![CDATA[<y>]]> z</b><c><skip>no</skip>kept</c><meta><k-1>v</k-1><k2/></meta></m>`
	d := xml.NewDecoder(strings.NewReader(doc))
	if _, err := d.Token(); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	var meta map[string]string
	err := Children(d, func(s xml.StartElement) error {
		if s.Name.Local == "meta" {
			var err error
			meta, err = Map(d)
			return err
		}
		v, err := Text(d)
		got[s.Name.Local] = v
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got["a"] != "x" || got["b"] != "<y> z" || got["c"] != "kept" {
		t.Errorf("texts %q", got)
	}
	if len(meta) != 2 || meta["k-1"] != "v" || meta["k2"] != "" {
		t.Errorf("map %v", meta)
	}
}

func TestTruncatedDocument(t *testing.T) {
	t.Parallel()
	d := xml.NewDecoder(strings.NewReader(`<m><a>unfinished`))
	d.Token()
	err := Children(d, func(xml.StartElement) error { _, err := Text(d); return err })
	if err == nil {
		t.Fatal("no error for a truncated document")
	}
	d = xml.NewDecoder(strings.NewReader(`<m>`))
	d.Token()
	if err := Children(d, func(xml.StartElement) error { return nil }); !errors.Is(err, ErrUnexpectedEOF) {
		t.Errorf("err = %v, want ErrUnexpectedEOF", err)
	}
}

func FuzzWalk(f *testing.F) {
	f.Add(`<r><metadata><a>1</a></metadata><n>1,000</n></r>`)
	f.Fuzz(func(t *testing.T, doc string) {
		d := xml.NewDecoder(strings.NewReader(doc))
		for {
			tok, err := d.Token()
			if err != nil {
				return
			}
			if _, ok := tok.(xml.StartElement); ok {
				_ = Children(d, func(xml.StartElement) error {
					m, err := Map(d)
					for _, v := range m {
						ParseInt(v)
						ParseBool(v)
						ParseMillis(v)
					}
					return err
				})
			}
		}
	})
}
