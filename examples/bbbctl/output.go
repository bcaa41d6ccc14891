package main

import (
	"encoding/json"
	"flag"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
)

// Output formats.
const (
	outTable = "table"
	outWide  = "wide"
	outJSON  = "json"
)

// outputFlag is -o.
type outputFlag struct{ format string }

func (o *outputFlag) register(fs *flag.FlagSet, wide bool) {
	help := "output format: table or json"
	if wide {
		help = "output format: table, wide or json"
	}
	fs.StringVar(&o.format, "o", outTable, help)
}

func (o *outputFlag) check(wide bool) error {
	switch o.format {
	case outTable, outJSON:
		return nil
	case outWide:
		if wide {
			return nil
		}
	}
	return cli.Usagef("-o %s: not a format of this command", o.format)
}

// writeJSON writes v indented, with a final newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table writes aligned columns; empty cells print as "-".
type table struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		if c == "" {
			cells[i] = "-"
		}
	}
	t.continuation(cells...)
}

// continuation writes a row whose empty cells stay blank: a second line
// of the row above.
func (t *table) continuation(cells ...string) {
	for i, c := range cells {
		cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(c)
	}
	_, _ = io.WriteString(t.tw, strings.Join(cells, "\t")+"\n")
}

func (t *table) flush() error { return t.tw.Flush() }

// formatFloat prints a number without trailing zeros: 1.5, 100.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
