package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/webhooks"
)

// Check outcomes.
const (
	statusOK   = "ok"
	statusWarn = "warn"
	statusFail = "fail"
)

// check is one line of doctor: what was checked on which server, the
// outcome, what was measured and, for a warning or failure, the likely
// cause and fix.
type check struct {
	Server string `json:"server"`
	Check  string `json:"check"`
	Status string `json:"status"`
	Value  string `json:"value"`
	Cause  string `json:"cause,omitempty"`
}

// Thresholds of doctor.
const (
	tlsWarnDays  = 14
	skewWarn     = 5 * time.Second
	skewFail     = time.Minute
	latencyWarn  = time.Second
	probeMeeting = "bbbctl-doctor-"
)

type doctorCmd struct {
	target   targetFlags
	out      outputFlag
	hook     string
	skipTURN bool
	probeTO  time.Duration
	mirror   mirrorFlags
}

func (c *doctorCmd) register(fs *flag.FlagSet) {
	c.target.register(fs)
	c.out.register(fs, false)
	fs.StringVar(&c.hook, "hook", "", "also check that a webhook for this callback URL is registered on every server")
	fs.BoolVar(&c.skipTURN, "skip-turn", false, "skip the STUN/TURN checks (they create and end a short probe meeting)")
	fs.DurationVar(&c.probeTO, "probe-timeout", 5*time.Second, "timeout of each STUN or TURN probe")
	c.mirror.register(fs)
}

// run checks every server at once and exits 0 only when no check failed.
func (c *doctorCmd) run(ctx context.Context, env *cli.Env, _ []string) error {
	if err := c.out.check(false); err != nil {
		return err
	}
	if c.probeTO <= 0 {
		return cli.Usagef("-probe-timeout must be positive")
	}
	t, err := c.target.connect(ctx, env)
	if err != nil {
		return err
	}
	src, err := c.mirror.source(env, t)
	if err != nil {
		return err
	}
	nodes, err := t.servers(ctx)
	if err != nil {
		return err
	}
	results := make([][]check, len(nodes)+1)
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() { results[i] = c.checkServer(ctx, t, n) })
	}
	if src != nil {
		wg.Go(func() {
			results[len(nodes)] = checkMirror(ctx, src, hostOf(c.mirror.url), &c.mirror, t.timeout, time.Now())
		})
	}
	wg.Wait()
	all := slices.Concat(results...)
	if c.out.format == outJSON {
		if all == nil {
			all = []check{}
		}
		err = writeJSON(env.Stdout, all)
	} else {
		err = writeChecks(env.Stdout, all)
	}
	if err != nil {
		return err
	}
	failed := 0
	for _, ch := range all {
		if ch.Status == statusFail {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d checks failed", failed, len(all))
	}
	return nil
}

func writeChecks(w io.Writer, checks []check) error {
	tab := newTable(w, "SERVER", "CHECK", "STATUS", "VALUE")
	for _, ch := range checks {
		tab.row(ch.Server, ch.Check, ch.Status, ch.Value)
		if ch.Cause != "" {
			tab.continuation("", "", "", "-> "+ch.Cause)
		}
	}
	return tab.flush()
}

// checkServer runs every check on one server.
func (c *doctorCmd) checkServer(ctx context.Context, t *target, n node) []check {
	host := hostOf(n.URL)
	add := func(checks []check) []check {
		for i := range checks {
			checks[i].Server = host
		}
		return checks
	}
	checks := add(probeHTTP(ctx, t, n))
	if checks[0].Status == statusFail {
		return checks // not reachable: nothing else can work
	}
	cl, err := t.client(n)
	if err != nil {
		return append(checks, check{Server: host, Check: "secret", Status: statusFail, Value: err.Error(),
			Cause: "bbbctl needs each server's secret: the balancer's getServers gives it"})
	}
	checks = append(checks, add(probeAPI(ctx, cl, t.timeout))...)
	if c.hook != "" {
		checks = append(checks, add([]check{probeHook(ctx, cl, c.hook, t.timeout)})...)
	}
	if !c.skipTURN {
		checks = append(checks, add(probeICE(ctx, t, cl, c.probeTO))...)
	}
	return checks
}

// probeHTTP gets the API root: reachable, latency, clock skew from the
// Date header, TLS certificate lifetime.
func probeHTTP(ctx context.Context, t *target, n node) []check {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.URL, nil)
	if err != nil {
		return []check{{Check: "api", Status: statusFail, Value: "bad URL", Cause: "fix the server's URL in the balancer or config"}}
	}
	start := time.Now()
	resp, err := t.hc.Do(req)
	latency := time.Since(start)
	if err != nil {
		return []check{{Check: "api", Status: statusFail, Value: scrub(err),
			Cause: "the API does not answer: check DNS, the firewall (443) and nginx on the server"}}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	mid := start.Add(latency / 2)
	checks := []check{{Check: "api", Status: statusOK, Value: "HTTP " + resp.Status}}
	if resp.StatusCode != http.StatusOK {
		checks[0] = check{Check: "api", Status: statusFail, Value: "HTTP " + resp.Status, Cause: "the URL is not a BigBlueButton API: check the path (/bigbluebutton/api/) and nginx"}
	}
	lat := check{Check: "latency", Status: statusOK, Value: latencyText(latency)}
	if latency > latencyWarn {
		lat.Status, lat.Cause = statusWarn, "slow answer: the server or the network is overloaded"
	}
	return append(checks, lat, clockCheck(resp.Header.Get("Date"), mid), tlsCheck(resp))
}

func clockCheck(date string, mid time.Time) check {
	at, err := http.ParseTime(date)
	if err != nil {
		return check{Check: "clock", Status: statusWarn, Value: "no Date header", Cause: "cannot measure the server's clock"}
	}
	skew := at.Sub(mid.Truncate(time.Second)) // Date has whole seconds
	c := check{Check: "clock", Status: statusOK, Value: fmt.Sprintf("skew %s", skew.Round(time.Second))}
	abs := max(skew, -skew)
	switch {
	case abs > skewFail:
		c.Status = statusFail
	case abs > skewWarn:
		c.Status = statusWarn
	}
	if c.Status != statusOK {
		c.Cause = "the server's clock is off: TURN credentials expire by it and webhook receivers refuse old events; run chrony or systemd-timesyncd"
	}
	return c
}

func tlsCheck(resp *http.Response) check {
	if resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 {
		return check{Check: "tls", Status: statusWarn, Value: "plain HTTP",
			Cause: "checksums and session tokens travel in clear: serve the API over HTTPS"}
	}
	left := time.Until(resp.TLS.PeerCertificates[0].NotAfter)
	days := int(left.Hours() / 24)
	c := check{Check: "tls", Status: statusOK, Value: fmt.Sprintf("certificate valid %d more days", days)}
	if days < tlsWarnDays {
		c.Status, c.Cause = statusWarn, "the certificate expires soon: check certbot's renewal timer"
	}
	return c
}

// probeAPI asks the version and tries every checksum algorithm.
func probeAPI(ctx context.Context, cl *bbb.Client, timeout time.Duration) []check {
	vctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ver := check{Check: "version", Status: statusOK}
	if v, err := cl.Version(vctx); err != nil {
		ver.Status, ver.Value, ver.Cause = statusWarn, scrub(err), "the API root did not say its version"
	} else {
		ver.Value = "API " + v.Version
		if v.BBBVersion != "" {
			ver.Value = "BigBlueButton " + v.BBBVersion + ", " + ver.Value
		}
	}
	return []check{ver, checksumCheck(ctx, cl, timeout)}
}

// checksumCheck signs getMeetings with each algorithm: which does the
// server accept?
func checksumCheck(ctx context.Context, cl *bbb.Client, timeout time.Duration) check {
	var accepted, refused, unknown []string
	for _, alg := range []checksum.Algorithm{checksum.SHA1, checksum.SHA256, checksum.SHA384, checksum.SHA512} {
		name := strings.ToLower(alg.String())
		signed, err := cl.Clone(bbb.WithChecksum(alg))
		if err == nil {
			actx, cancel := context.WithTimeout(ctx, timeout)
			_, err = signed.GetMeetings(actx)
			cancel()
		}
		switch {
		case err == nil:
			accepted = append(accepted, name)
		case errors.Is(err, bbb.ErrChecksum):
			refused = append(refused, name)
		default:
			unknown = append(unknown, name)
		}
	}
	value := "accepted: " + orNone(accepted) + "; refused: " + orNone(refused)
	if len(unknown) > 0 {
		value += "; no answer: " + strings.Join(unknown, " ")
	}
	c := check{Check: "checksums", Status: statusOK, Value: value}
	switch {
	case len(accepted) == 0 && len(refused) > 0:
		c.Status, c.Cause = statusFail, "every checksum refused: the secret is wrong (bbb-conf --secret shows the server's)"
	case len(accepted) == 0:
		c.Status, c.Cause = statusFail, "the API did not answer getMeetings"
	case len(accepted) == 1 && accepted[0] == "sha1":
		c.Status, c.Cause = statusWarn, "only SHA-1 is accepted: set supportedChecksumAlgorithms in bbb-web.properties to include sha256"
	}
	return c
}

func probeHook(ctx context.Context, cl *bbb.Client, callback string, timeout time.Duration) check {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := check{Check: "webhook", Status: statusOK, Value: callback + " registered"}
	wc, err := webhooks.NewClient(cl)
	var hooks []webhooks.Hook
	if err == nil {
		hooks, err = wc.List(ctx, "")
	}
	if err != nil {
		c.Status, c.Value, c.Cause = statusFail, scrub(err), "bbb-webhooks does not answer: is it installed and running?"
		return c
	}
	if !slices.ContainsFunc(hooks, func(h webhooks.Hook) bool { return h.CallbackURL == callback }) {
		c.Status, c.Value, c.Cause = statusFail, callback+" not registered", "run: bbbctl hooks ensure "+callback
	}
	return c
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, " ")
}

// scrub is an error's text without any URL query (checksums, tokens).
func scrub(err error) string {
	s := err.Error()
	for _, f := range strings.Fields(s) {
		if strings.Contains(f, "://") && strings.Contains(f, "?") {
			s = strings.ReplaceAll(s, f, bbb.RedactURL(strings.Trim(f, `"':,`)))
		}
	}
	return s
}
