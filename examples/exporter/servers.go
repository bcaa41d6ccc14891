package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/internal/httpcore"
)

// serverSpec is one BigBlueButton server to watch.
type serverSpec struct {
	name   string // label value; empty means the URL's host
	url    string
	secret string
	alg    checksum.Algorithm // zero means the -checksum default
}

// specError is a malformed server specification. It never holds the secret.
type specError struct {
	where string // "-server 2" or "servers.txt:4"
	msg   string
}

func (e *specError) Error() string { return e.where + ": " + e.msg }

// parseServerSpec parses "[name=]URL,SECRET[,ALGORITHM]". A SECRET of the
// form "env:NAME" is read from the environment variable NAME, so that
// secrets stay out of the process list and of files.
func parseServerSpec(s, where string, getenv func(string) string) (serverSpec, error) {
	var sp serverSpec
	s = strings.TrimSpace(s)
	fields := strings.Split(s, ",")
	if len(fields) < 2 || len(fields) > 3 {
		return sp, &specError{where, "want [name=]URL,SECRET[,ALGORITHM]"}
	}
	u := strings.TrimSpace(fields[0])
	if i := strings.IndexByte(u, '='); i >= 0 && !strings.Contains(u[:i], "://") {
		sp.name, u = strings.TrimSpace(u[:i]), strings.TrimSpace(u[i+1:])
		if sp.name == "" {
			return sp, &specError{where, "empty name before '='"}
		}
		if !printable(sp.name) {
			return sp, &specError{where, "name must be printable text"}
		}
	}
	if _, err := httpcore.ParseAbsoluteURL(u); err != nil {
		return sp, &specError{where, "need an http or https URL before the first comma"}
	}
	sp.url = u
	sp.secret = strings.TrimSpace(fields[1])
	if env, ok := strings.CutPrefix(sp.secret, "env:"); ok {
		if env == "" {
			return sp, &specError{where, "env: needs a variable name"}
		}
		sp.secret = getenv(env)
		if sp.secret == "" {
			return sp, &specError{where, "environment variable " + env + " is empty or unset"}
		}
	}
	if sp.secret == "" {
		return sp, &specError{where, "empty secret"}
	}
	if len(fields) == 3 {
		alg, err := checksum.ParseAlgorithm(strings.TrimSpace(fields[2]))
		if err != nil {
			return sp, &specError{where, "unknown checksum algorithm (sha1, sha256, sha384 or sha512)"}
		}
		sp.alg = alg
	}
	return sp, nil
}

func printable(s string) bool {
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

// parseServersFile reads one server specification per line; blank lines
// and lines starting with # are skipped.
func parseServersFile(r io.Reader, name string, getenv func(string) string) ([]serverSpec, error) {
	var out []serverSpec
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sp, err := parseServerSpec(line, fmt.Sprintf("%s:%d", name, n), getenv)
		if err != nil {
			return nil, err
		}
		out = append(out, sp)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, errors.New(name + ": no servers")
	}
	return out, nil
}

// serverFlags collects repeated -server flags.
type serverFlags []string

func (f *serverFlags) String() string { return fmt.Sprintf("%d servers", len(*f)) }

func (f *serverFlags) Set(s string) error {
	*f = append(*f, s)
	return nil
}

// bucketsFlag is a comma-separated list of histogram bounds.
type bucketsFlag []float64

func (b *bucketsFlag) String() string {
	parts := make([]string, len(*b))
	for i, v := range *b {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ",")
}

func (b *bucketsFlag) Set(s string) error {
	v, err := parseBuckets(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// parseBuckets parses "0,1,5,15" into bounds; the metrics package checks
// their order.
func parseBuckets(s string) ([]float64, error) {
	var out []float64
	for p := range strings.SplitSeq(s, ",") {
		p = strings.TrimSpace(p)
		v, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return nil, fmt.Errorf("bucket %q is not a number", p)
		}
		out = append(out, v)
	}
	return out, nil
}
