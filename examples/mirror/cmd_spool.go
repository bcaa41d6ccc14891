package main

import (
	"context"
	"os"
	"path/filepath"

	"github.com/bbbkit/bbbkit/scalelite/mirror"
)

func cmdPack(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "pack")
	published := fs.String("published", "/var/bigbluebutton/published", "published tree holding the recording")
	id := fs.String("id", "", "record ID")
	spool := fs.String("spool", "", "write <spool>/<id>.tar atomically (for Scalelite's importer)")
	out := fs.String("o", "", "write the archive to this file instead (- for standard output)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *id == "" || (*spool == "") == (*out == "") {
		return usageErr(e, "pack: -id and exactly one of -spool or -o are required")
	}
	if !mirror.ValidRecordID(*id) {
		return usageErr(e, "pack: invalid record ID %q", *id)
	}
	var err error
	switch {
	case *spool != "":
		var path string
		if path, err = mirror.PackFile(ctx, *published, *id, *spool); err == nil {
			e.log.Info("packed", "record_id", *id, "archive", path)
		}
	case *out == "-":
		err = mirror.Pack(ctx, e.stdout, *published, *id)
	default:
		err = packTo(ctx, *out, *published, *id)
	}
	if err != nil {
		e.log.Error("pack", "record_id", *id, "err", err)
	}
	return exitFor(ctx, err)
}

// packTo writes the archive to a temporary file renamed to path when done.
func packTo(ctx context.Context, path, published, id string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".pack-*")
	if err != nil {
		return err
	}
	err = mirror.Pack(ctx, tmp, published, id)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

func cmdImport(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "import")
	published := fs.String("published", "/var/bigbluebutton/published", "published tree")
	unpublished := fs.String("unpublished", "/var/bigbluebutton/unpublished", "unpublished tree")
	spool := fs.String("spool", "", "import every *.tar in this directory (as the Scalelite importer scans)")
	allUnpublished := fs.Bool("unpublished-all", false, "import every recording as unpublished")
	remove := fs.Bool("remove", false, "delete each archive after a successful import")
	maxSize := fs.String("max-size", "64GiB", "refuse archives whose files add up to more than this")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	limit, err := parseRate(*maxSize)
	if err != nil || limit <= 0 {
		return usageErr(e, "import: invalid -max-size %q", *maxSize)
	}
	files := fs.Args()
	if *spool != "" {
		m, err := filepath.Glob(filepath.Join(*spool, "*.tar"))
		if err != nil {
			return usageErr(e, "import: %v", err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 && *spool == "" {
		return usageErr(e, "import: give archives or -spool DIR")
	}
	code := exitOK
	for _, f := range files {
		res, err := mirror.ImportFile(ctx, f, *published, *unpublished,
			mirror.WithUnpublished(*allUnpublished), mirror.WithMaxArchiveSize(limit))
		if err != nil {
			e.log.Error("import refused", "archive", f, "err", err)
			c := exitFor(ctx, err)
			if c == exitInterrupted {
				return c
			}
			if code == exitOK || c > code {
				code = c
			}
			continue
		}
		for _, fm := range res.Formats {
			e.log.Info("imported", "record_id", res.RecordID, "format", fm.Name, "published", fm.Published, "files", fm.Files, "bytes", fm.Bytes)
		}
		if *remove {
			if err := os.Remove(f); err != nil {
				e.log.Warn("import: remove archive", "archive", f, "err", err)
			}
		}
	}
	return code
}
