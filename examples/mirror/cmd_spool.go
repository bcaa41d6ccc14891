package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/scalelite/mirror"
)

type packCmd struct {
	published, id, spool, out string
}

func (c *packCmd) register(fs *flag.FlagSet) {
	fs.StringVar(&c.published, "published", "/var/bigbluebutton/published", "published tree holding the recording")
	fs.StringVar(&c.id, "id", "", "record ID")
	fs.StringVar(&c.spool, "spool", "", "write <spool>/<id>.tar atomically (for Scalelite's importer)")
	fs.StringVar(&c.out, "o", "", "write the archive to this file instead (- for standard output)")
}

func (c *packCmd) run(ctx context.Context, env *cli.Env, _ []string) error {
	if c.id == "" || (c.spool == "") == (c.out == "") {
		return cli.Usagef("-id and exactly one of -spool or -o are required")
	}
	if !mirror.ValidRecordID(c.id) {
		return cli.Usagef("invalid record ID %q", c.id)
	}
	log := logger(env)
	var err error
	switch {
	case c.spool != "":
		var path string
		if path, err = mirror.PackFile(ctx, c.published, c.id, c.spool); err == nil {
			log.Info("packed", "record_id", c.id, "archive", path)
		}
	case c.out == "-":
		err = mirror.Pack(ctx, env.Stdout, c.published, c.id)
	default:
		err = packTo(ctx, c.out, c.published, c.id)
	}
	if err != nil {
		log.Error("pack", "record_id", c.id, "err", err)
	}
	return logged(ctx, err)
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

type importCmd struct {
	published, unpublished, spool, maxSize string
	allUnpublished, remove                 bool
}

func (c *importCmd) register(fs *flag.FlagSet) {
	fs.StringVar(&c.published, "published", "/var/bigbluebutton/published", "published tree")
	fs.StringVar(&c.unpublished, "unpublished", "/var/bigbluebutton/unpublished", "unpublished tree")
	fs.StringVar(&c.spool, "spool", "", "import every *.tar in this directory (as the Scalelite importer scans)")
	fs.BoolVar(&c.allUnpublished, "unpublished-all", false, "import every recording as unpublished")
	fs.BoolVar(&c.remove, "remove", false, "delete each archive after a successful import")
	fs.StringVar(&c.maxSize, "max-size", "64GiB", "refuse archives whose files add up to more than this")
}

func (c *importCmd) run(ctx context.Context, env *cli.Env, files []string) error {
	limit, err := parseRate(c.maxSize)
	if err != nil || limit <= 0 {
		return cli.Usagef("invalid -max-size %q", c.maxSize)
	}
	if c.spool != "" {
		m, err := filepath.Glob(filepath.Join(c.spool, "*.tar"))
		if err != nil {
			return cli.Usagef("%v", err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 && c.spool == "" {
		return cli.Usagef("give archives or -spool DIR")
	}
	log := logger(env)
	code := cli.ExitOK
	for _, f := range files {
		res, err := mirror.ImportFile(ctx, f, c.published, c.unpublished,
			mirror.WithUnpublished(c.allUnpublished), mirror.WithMaxArchiveSize(limit))
		if err != nil {
			log.Error("import refused", "archive", f, "err", err)
			e := exitFor(ctx, err)
			if e == cli.ExitInterrupted {
				return cli.Exit(e, nil)
			}
			code = max(code, e)
			continue
		}
		for _, fm := range res.Formats {
			log.Info("imported", "record_id", res.RecordID, "format", fm.Name, "published", fm.Published, "files", fm.Files, "bytes", fm.Bytes)
		}
		if c.remove {
			if err := os.Remove(f); err != nil {
				log.Warn("import: remove archive", "archive", f, "err", err)
			}
		}
	}
	if code != cli.ExitOK {
		return cli.Exit(code, nil)
	}
	return nil
}
