package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/attendance"
)

// attendanceKeyEnv holds the key of -attendance-pseudonyms.
const attendanceKeyEnv = "BBB_ATTENDANCE_KEY"

// newAttendance returns a DeliveryFunc that prints (next) and then feeds an
// attendance Tracker writing one report file per ended meeting into
// cfg.attendanceDir; next itself when no directory is given.
func (cfg *config) newAttendance(env *cli.Env, next webhooks.DeliveryFunc) (webhooks.DeliveryFunc, error) {
	if cfg.attendanceDir == "" {
		return next, nil
	}
	if cfg.attendanceFormat != "json" && cfg.attendanceFormat != "csv" {
		return nil, cli.Usagef("-attendance-format must be json or csv")
	}
	if st, err := os.Stat(cfg.attendanceDir); err != nil || !st.IsDir() {
		return nil, cli.Usagef("-attendance-dir %s is not a directory", cfg.attendanceDir)
	}
	var opts []attendance.Option
	if cfg.attendancePseudonyms {
		key := env.Secret("", attendanceKeyEnv)
		if len(key) < 16 {
			return nil, cli.Usagef("-attendance-pseudonyms needs a key of at least 16 bytes in %s", attendanceKeyEnv)
		}
		opts = append(opts, attendance.WithPseudonyms([]byte(key)))
	}
	tracker, err := attendance.New(cfg.writeReport, opts...)
	if err != nil {
		return nil, cli.Usagef("%v", err)
	}
	return func(ctx context.Context, d *webhooks.Delivery) error {
		if err := next(ctx, d); err != nil {
			return err
		}
		return tracker.Deliver(ctx, d)
	}, nil
}

// writeReport writes a report to <dir>/<internal meeting ID>.<format>,
// whole or not at all (a temporary file renamed into place).
func (cfg *config) writeReport(_ context.Context, r *attendance.Report) error {
	var buf bytes.Buffer
	var err error
	if cfg.attendanceFormat == "csv" {
		err = r.WriteCSV(&buf)
	} else {
		err = r.WriteJSON(&buf)
	}
	if err != nil {
		return err
	}
	name := filepath.Join(cfg.attendanceDir, reportName(r.InternalMeetingID)+"."+cfg.attendanceFormat)
	tmp, err := os.CreateTemp(cfg.attendanceDir, ".report-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("write attendance report: %w", err)
	}
	return nil
}

// reportName makes a file name of a meeting ID sent by the server: kept
// when it is made of letters, digits, '-', '_' and '.', hex-encoded
// otherwise, so that no ID can name a path outside the directory.
func reportName(id string) string {
	ok := id != "" && !strings.HasPrefix(id, ".")
	for _, c := range id {
		if !(c == '-' || c == '_' || c == '.' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			ok = false
		}
	}
	if ok {
		return id
	}
	return "x" + hex.EncodeToString([]byte(id))
}
