package mirror

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestPackImportRoundTrip(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 2, Seed: 21, Large: 300 << 10, Video: 100 << 10, Podcast: 0})
	var buf bytes.Buffer
	if err := Pack(context.Background(), &buf, src, ids[0]); err != nil {
		t.Fatalf("Pack(..., %q): %v", ids[0], err)
	}

	// Every entry is <format>/<recordID>/..., uncompressed.
	tr := tar.NewReader(bytes.NewReader(buf.Bytes()))
	var names []string
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		names = append(names, h.Name)
		if !strings.HasPrefix(h.Name, "presentation/"+ids[0]+"/") && !strings.HasPrefix(h.Name, "video/"+ids[0]+"/") {
			t.Fatalf("archive entry %q; want it under presentation/%s/ or video/%s/", h.Name, ids[0], ids[0])
		}
	}
	for _, want := range []string{"presentation/" + ids[0] + "/metadata.xml", "video/" + ids[0] + "/video-0.m4v"} {
		if !slices.Contains(names, want) {
			t.Fatalf("archive entries = %v; want them to include %q", names, want)
		}
	}

	pub, unpub := t.TempDir(), t.TempDir()
	res, err := Import(context.Background(), bytes.NewReader(buf.Bytes()), pub, unpub)
	if err != nil {
		t.Fatalf("Import(...): %v", err)
	}
	if res.RecordID != ids[0] {
		t.Fatalf("Import(...).RecordID = %q; want %q", res.RecordID, ids[0])
	}
	if len(res.Formats) != 2 {
		t.Fatalf("len(Import(...).Formats) = %d; want 2: %v", len(res.Formats), res.Formats)
	}
	for _, f := range res.Formats {
		if !f.Published {
			t.Fatalf("Import(...) format %s Published = false; want true", f.Name)
		}
	}
	for _, f := range []string{"presentation", "video"} {
		requireSameTree(t, filepath.Join(src, f, ids[0]), filepath.Join(pub, f, ids[0]))
	}
	mustNotBeDir(t, filepath.Join(pub, ImportDirName), " (work directory cleaned up)")

	// Importing again replaces; importing unpublished moves it over.
	res, err = Import(context.Background(), bytes.NewReader(buf.Bytes()), pub, unpub, WithUnpublished(true))
	if err != nil {
		t.Fatalf("Import(..., WithUnpublished(true)): %v", err)
	}
	if res.Formats[0].Published {
		t.Fatalf("Import(..., WithUnpublished(true)).Formats[0].Published = true; want false")
	}
	mustNotBeDir(t, filepath.Join(pub, "presentation", ids[0]), "")
	requireSameTree(t, filepath.Join(src, "presentation", ids[0]), filepath.Join(unpub, "presentation", ids[0]))
}

func TestImportUnpublishedByMetadata(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	id := genRecordID(1, time.Now())
	writeFormat(t, dir, "presentation", id, map[string][]byte{"metadata.xml": genMetadata(id, "presentation", time.Now(), false), "a.txt": []byte("a")})
	var buf bytes.Buffer
	if err := Pack(context.Background(), &buf, dir, id); err != nil {
		t.Fatalf("Pack(..., %q): %v", id, err)
	}
	pub, unpub := t.TempDir(), t.TempDir()
	res, err := Import(context.Background(), bytes.NewReader(buf.Bytes()), pub, unpub)
	if err != nil {
		t.Fatalf("Import(...): %v", err)
	}
	if res.Formats[0].Published {
		t.Fatalf("Import(...).Formats[0].Published = true; want false")
	}
	mustBeFile(t, filepath.Join(unpub, "presentation", id, "a.txt"))
}

// The archive GNU tar writes for the post-publish script imports, and the
// archive Pack writes extracts with GNU tar.
func TestSpoolInteroperatesWithGNUTar(t *testing.T) {
	t.Parallel()
	tarBin, err := exec.LookPath("tar")
	if err != nil {
		t.Fatalf("exec.LookPath(\"tar\"): %v (GNU tar is needed to check the spool format)", err)
	}
	src, ids := newTree(t, genSpec{Recordings: 1, Seed: 22, Large: 70 << 10, Video: 1 << 10, Podcast: 1 << 10})
	id := ids[0]
	archive := filepath.Join(t.TempDir(), id+".tar")
	cmd := exec.Command(tarBin, "--create", "--file", archive, "podcast/"+id, "presentation/"+id, "video/"+id)
	cmd.Dir = src
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tar --create: %v\n%s", err, out)
	}
	pub, unpub := t.TempDir(), t.TempDir()
	_, err = ImportFile(context.Background(), archive, pub, unpub)
	if err != nil {
		t.Fatalf("ImportFile(%q, ...): %v", archive, err)
	}
	requireSameTree(t, src, pub)

	spool := t.TempDir()
	packed, err := PackFile(context.Background(), src, id, spool)
	if err != nil {
		t.Fatalf("PackFile(..., %q, spool): %v", id, err)
	}
	if want := filepath.Join(spool, id+".tar"); packed != want {
		t.Fatalf("PackFile(..., %q, spool) = %q; want %q", id, packed, want)
	}
	x := t.TempDir()
	out, err = exec.Command(tarBin, "--extract", "--file", packed, "-C", x).CombinedOutput()
	if err != nil {
		t.Fatalf("tar --extract: %v\n%s", err, out)
	}
	requireSameTree(t, src, x)
	left, _ := os.ReadDir(spool)
	if len(left) != 1 {
		t.Fatalf("spool holds %d entries (%v); want 1 (no temporary file left in the spool)", len(left), left)
	}
}

func TestPackRefuses(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 2, Seed: 23, Large: 10})
	if err := os.Symlink("/etc/passwd", filepath.Join(src, "presentation", ids[0], "x")); err != nil {
		t.Fatalf("os.Symlink(...): %v", err)
	}
	if err := Pack(context.Background(), &bytes.Buffer{}, src, ids[0]); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("Pack(recording with a symlink) = %v; want ErrUnsafe", err)
	}
	if err := Pack(context.Background(), &bytes.Buffer{}, src, "nope-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Pack(\"nope-1\") = %v; want ErrNotFound", err)
	}
	if err := Pack(context.Background(), &bytes.Buffer{}, src, "../x"); !errors.Is(err, ErrUnsafe) {
		t.Fatalf("Pack(\"../x\") = %v; want ErrUnsafe", err)
	}
	if err := os.Remove(filepath.Join(src, "presentation", ids[1], "metadata.xml")); err != nil {
		t.Fatalf("os.Remove(metadata.xml): %v", err)
	}
	var buf bytes.Buffer
	if err := Pack(context.Background(), &buf, src, ids[1]); !errors.Is(err, ErrMetadata) {
		t.Fatalf("Pack(recording without metadata.xml) = %v; want ErrMetadata", err)
	}
	if n := buf.Len(); n != 0 {
		t.Fatalf("Pack(refused recording) wrote %d bytes; want 0 (nothing written for a refused recording)", n)
	}
}

type entry struct {
	name     string
	typ      byte
	body     string
	linkname string
}

const hid = "0123456789abcdef0123456789abcdef01234567-1700000000000"

func meta(format string) string {
	return string(genMetadata(hid, format, time.UnixMilli(1700000000000), true))
}

func buildTar(t testing.TB, entries []entry) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Mode: 0o644, Linkname: e.linkname, ModTime: time.Unix(1700000000, 0), Format: tar.FormatPAX}
		if typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			tw.Write([]byte(e.body))
		}
	}
	tw.Close()
	return buf.Bytes()
}

func good() []entry {
	return []entry{
		{name: "presentation/" + hid + "/", typ: tar.TypeDir},
		{name: "presentation/" + hid + "/metadata.xml", body: meta("presentation")},
		{name: "presentation/" + hid + "/shapes.svg", body: "<svg/>"},
	}
}

func TestImportRefusesHostileArchives(t *testing.T) {
	t.Parallel()
	with := func(extra ...entry) []byte { return buildTar(t, append(good(), extra...)) }
	p := "presentation/" + hid + "/"
	truncated := with(entry{name: p + "big.bin", body: strings.Repeat("x", 4096)})
	cases := []struct {
		name    string
		archive []byte
		opts    []ImportOption
		want    error
	}{
		{"absolute path", with(entry{name: "/etc/cron.d/evil", body: "x"}), nil, ErrUnsafe},
		{"dot dot", with(entry{name: p + "../../../etc/passwd", body: "x"}), nil, ErrUnsafe},
		{"dot dot at top", with(entry{name: "../presentation/" + hid + "/x", body: "x"}), nil, ErrUnsafe},
		{"symlink", with(entry{name: p + "link", typ: tar.TypeSymlink, linkname: "/etc/passwd"}), nil, ErrUnsafe},
		{"hard link", with(entry{name: p + "hard", typ: tar.TypeLink, linkname: "/etc/passwd"}), nil, ErrUnsafe},
		{"char device", with(entry{name: p + "null", typ: tar.TypeChar}), nil, ErrUnsafe},
		{"block device", with(entry{name: p + "sda", typ: tar.TypeBlock}), nil, ErrUnsafe},
		{"fifo", with(entry{name: p + "fifo", typ: tar.TypeFifo}), nil, ErrUnsafe},
		{"file at top level", with(entry{name: "evil.sh", body: "x"}), nil, ErrUnsafe},
		{"file at format level", with(entry{name: "presentation/evil.sh", body: "x"}), nil, ErrUnsafe},
		{"not a format", with(entry{name: "Bad Format/" + hid + "/x", body: "x"}), nil, ErrUnsafe},
		{"two recordings", with(entry{name: "video/other-1700000000000/metadata.xml", body: meta("video")}), nil, ErrUnsafe},
		{"backslash", with(entry{name: p + `..\..\x`, body: "x"}), nil, ErrUnsafe},
		{"duplicate entry", with(entry{name: p + "shapes.svg", body: "again"}), nil, ErrUnsafe},
		{"entry below a file", with(entry{name: p + "shapes.svg/x", body: "x"}), nil, ErrUnsafe},
		{"file past the size limit", with(entry{name: p + "big.bin", body: strings.Repeat("x", 2048)}), []ImportOption{WithMaxFileSize(1024)}, ErrTooLarge},
		{"archive past the size limit", with(entry{name: p + "a", body: strings.Repeat("x", 900)}, entry{name: p + "b", body: strings.Repeat("x", 900)}), []ImportOption{WithMaxArchiveSize(2000)}, ErrTooLarge},
		{"too many entries", with(entry{name: p + "a", body: "x"}, entry{name: p + "b", body: "x"}), []ImportOption{WithMaxEntries(4)}, ErrUnsafe},
		{"truncated", truncated[:len(truncated)-2048], nil, ErrUnsafe},
		{"not a tar", []byte("this is not an archive at all, just text that is long enough to look like a header block maybe"), nil, ErrUnsafe},
		{"empty", nil, nil, ErrUnsafe},
		{"metadata missing", buildTar(t, []entry{{name: p + "x", body: "x"}}), nil, ErrMetadata},
		{"metadata of another recording", buildTar(t, []entry{{name: p + "metadata.xml", body: strings.ReplaceAll(meta("presentation"), hid, "zzz-1")}}), nil, ErrMetadata},
		{"metadata of another format", with(entry{name: "video/" + hid + "/metadata.xml", body: meta("presentation")}), nil, ErrMetadata},
		{"second format without metadata", with(entry{name: "video/" + hid + "/video.mp4", body: "x"}), nil, ErrMetadata},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			pub, unpub := filepath.Join(root, "published"), filepath.Join(root, "unpublished")
			_, err := Import(context.Background(), bytes.NewReader(tc.archive), pub, unpub, tc.opts...)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Import(...) = %v; want %v", err, tc.want)
			}
			if got := listAll(t, root); len(got) != 0 {
				t.Fatalf("listAll(t, root) = %v; want empty (nothing may be written for a refused archive)", got)
			}
		})
	}
}

func listAll(t testing.TB, root string) []string {
	var out []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if p != root && err == nil {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func TestImportAcceptsGoodArchive(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	pub, unpub := filepath.Join(root, "published"), filepath.Join(root, "unpublished")
	res, err := Import(context.Background(), bytes.NewReader(buildTar(t, good())), pub, unpub)
	if err != nil {
		t.Fatalf("Import(...): %v", err)
	}
	if res.RecordID != hid {
		t.Fatalf("Import(...).RecordID = %q; want %q", res.RecordID, hid)
	}
	if got := res.Formats[0].Files; got != 2 {
		t.Fatalf("Import(...).Formats[0].Files = %d; want 2", got)
	}
	b, err := os.ReadFile(filepath.Join(pub, "presentation", hid, "shapes.svg"))
	if err != nil {
		t.Fatalf("os.ReadFile(shapes.svg): %v", err)
	}
	if string(b) != "<svg/>" {
		t.Fatalf("shapes.svg = %q; want %q", b, "<svg/>")
	}
}
