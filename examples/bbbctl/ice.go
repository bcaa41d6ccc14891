package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/internal/httpcore"
	"github.com/pion/logging"
	"github.com/pion/stun/v3"
	"github.com/pion/turn/v4"
)

// Causes doctor prints for ICE failures.
const (
	causeNoTURN = "no TURN server is handed to browsers: users behind NAT or firewalls that drop UDP fail with ICE errors 1007/1020; " +
		"configure coturn (bbb-install -t, turn-stun-servers.xml)"
	causeNoTCP = "no TURN relay over TCP or TLS answered: users behind firewalls that drop UDP fail to join audio and video " +
		"(ICE errors 1007 and 1020); let coturn listen on TCP with TLS on 443 and list turns:HOST:443?transport=tcp in turn-stun-servers.xml"
	causeSecret = "the TURN server refused the credentials bbb-web handed out: the secret in bbb-web's turn-stun-servers.xml " +
		"differs from coturn's static-auth-secret (or a clock is off)"
)

// iceServers is what the stuns call answers: the STUN and TURN servers the
// HTML5 client gives its RTCPeerConnection.
type iceServers struct {
	STUNServers []struct {
		URL string `json:"url"`
	} `json:"stunServers"`
	TURNServers []struct {
		Username string `json:"username"`
		Password string `json:"password"`
		URL      string `json:"url"`
		TTL      int64  `json:"ttl"`
	} `json:"turnServers"`
	Response *struct {
		ReturnCode string `json:"returncode"`
		Message    string `json:"message"`
	} `json:"response"`
}

// probeICE gets the ICE servers as a browser gets them (a probe meeting, a
// server-side join for a session token, the stuns call) and tests each:
// STUN binding over UDP, TURN allocation over UDP, TCP and TLS.
func probeICE(ctx context.Context, t *target, cl *bbb.Client, timeout time.Duration) []check {
	servers, err := fetchICEServers(ctx, t, cl)
	if err != nil {
		return []check{{Check: "stuns", Status: statusFail, Value: scrub(err),
			Cause: "could not get the ICE servers the HTML5 client gets: is bbb-web healthy?"}}
	}
	summary := check{Check: "ice servers", Status: statusOK, Value: fmt.Sprintf("%d STUN, %d TURN", len(servers.STUNServers), len(servers.TURNServers))}
	if len(servers.TURNServers) == 0 {
		summary.Status, summary.Cause = statusFail, causeNoTURN
	}
	checks := []check{summary}
	for _, s := range servers.STUNServers {
		checks = append(checks, stunCheck(ctx, s.URL, timeout))
	}
	var results []turnResult
	for _, s := range servers.TURNServers {
		for _, tr := range transportsOf(s.URL) {
			r := allocate(ctx, s.URL, tr, s.Username, s.Password, t.tls, timeout)
			results = append(results, r)
			checks = append(checks, r.check())
		}
	}
	if len(results) > 0 {
		checks = append(checks, credentialCheck(results), tcpCheck(results))
	}
	return checks
}

// fetchICEServers creates a probe meeting, joins it and calls stuns, then
// ends the meeting.
func fetchICEServers(ctx context.Context, t *target, cl *bbb.Client) (*iceServers, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*t.timeout)
	defer cancel()
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	id := probeMeeting + hex.EncodeToString(suffix)
	if _, err := cl.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "bbbctl doctor probe", MeetingID: id}); err != nil {
		return nil, fmt.Errorf("create probe meeting: %w", err)
	}
	defer func() { // end it even when ctx is done
		ectx, ecancel := context.WithTimeout(context.Background(), t.timeout)
		defer ecancel()
		_ = cl.EndMeeting(ectx, id)
	}()
	joined, err := cl.Join(ctx, &bbb.JoinParams{FullName: "bbbctl doctor", MeetingID: id, Role: bbb.RoleModerator, Redirect: bbb.Bool(false)})
	if err != nil {
		return nil, fmt.Errorf("join probe meeting: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cl.APIURL()+"stuns?sessionToken="+url.QueryEscape(joined.SessionToken), nil)
	if err != nil {
		return nil, errors.New("stuns: bad API URL")
	}
	resp, err := t.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("stuns: %w", httpcore.ScrubURLError(err)) // the URL carries the session token
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("stuns: %w", err)
	}
	var servers iceServers
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &servers) != nil {
		return nil, fmt.Errorf("stuns: HTTP %d, not the JSON of bbb-web", resp.StatusCode)
	}
	if servers.Response != nil && servers.Response.ReturnCode == "FAILED" {
		return nil, fmt.Errorf("stuns: FAILED: %s", servers.Response.Message)
	}
	return &servers, nil
}

// transportsOf lists the transports a browser may use for a TURN URI:
// turns: is TLS; turn: is UDP and TCP unless ?transport= names one.
func transportsOf(uri string) []string {
	if strings.HasPrefix(uri, "turns:") {
		return []string{"tls"}
	}
	switch {
	case strings.Contains(uri, "transport=udp"):
		return []string{"udp"}
	case strings.Contains(uri, "transport=tcp"):
		return []string{"tcp"}
	}
	return []string{"udp", "tcp"}
}

// hostPort is the address of a STUN or TURN URI.
func hostPort(uri string) (string, error) {
	u, err := stun.ParseURI(uri)
	if err != nil {
		return "", fmt.Errorf("%s: %w", uri, err)
	}
	return net.JoinHostPort(u.Host, strconv.Itoa(u.Port)), nil
}

// quietLogs keeps pion's logs out of bbbctl's output.
func quietLogs() logging.LoggerFactory {
	f := logging.NewDefaultLoggerFactory()
	f.Writer = io.Discard
	f.DefaultLogLevel = logging.LogLevelDisabled
	return f
}

// stunCheck sends a binding request over UDP.
func stunCheck(ctx context.Context, uri string, timeout time.Duration) check {
	c := check{Check: "stun udp " + uri, Status: statusFail}
	addr, err := hostPort(uri)
	if err != nil {
		c.Value, c.Cause = err.Error(), "the stuns call hands out a malformed STUN URI"
		return c
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", addr)
	if err != nil {
		c.Value, c.Cause = err.Error(), "cannot reach the STUN server's address"
		return c
	}
	client, err := stun.NewClient(conn, stun.WithRTO(timeout/4))
	if err != nil {
		conn.Close()
		c.Value = err.Error()
		return c
	}
	start := time.Now()
	type answer struct {
		mapped string
		err    error
	}
	done := make(chan answer, 1)
	go func() {
		var a answer
		a.err = client.Do(stun.MustBuild(stun.TransactionID, stun.BindingRequest), func(e stun.Event) {
			if e.Error != nil {
				a.err = e.Error
				return
			}
			var xor stun.XORMappedAddress
			if err := xor.GetFrom(e.Message); err != nil {
				a.err = err
				return
			}
			a.mapped = xor.String()
		})
		done <- a
	}()
	var a answer
	select {
	case a = <-done:
	case <-time.After(timeout):
		a.err = fmt.Errorf("no answer within %s", timeout)
	}
	_ = client.Close()
	if a.err != nil {
		c.Value, c.Cause = a.err.Error(), "the STUN server does not answer over UDP: is UDP 3478 open?"
		return c
	}
	c.Status, c.Value = statusOK, fmt.Sprintf("mapped address %s in %s", a.mapped, time.Since(start).Round(time.Millisecond))
	return c
}

// turnResult is one TURN allocation attempt.
type turnResult struct {
	uri, transport string
	relayed        string
	rtt            time.Duration
	err            error
	refused        bool // the server answered 401: credentials refused
}

func (r turnResult) check() check {
	c := check{Check: fmt.Sprintf("turn %s %s", r.transport, r.uri), Status: statusOK}
	switch {
	case r.err == nil:
		c.Value = fmt.Sprintf("relayed address %s in %s", r.relayed, r.rtt.Round(time.Millisecond))
	case r.refused:
		c.Status, c.Value, c.Cause = statusFail, "credentials refused (401)", causeSecret
	default:
		c.Status, c.Value = statusFail, r.err.Error()
		c.Cause = "no TURN allocation over " + strings.ToUpper(r.transport) + ": is coturn listening there, and the port open in the firewall?"
	}
	return c
}

// allocate asks the TURN server for a relayed address over the transport
// (udp, tcp or tls), with the credentials of the stuns call.
func allocate(ctx context.Context, uri, transport, username, password string, tlsConf *tls.Config, timeout time.Duration) turnResult {
	r := turnResult{uri: uri, transport: transport}
	addr, err := hostPort(uri)
	if err != nil {
		r.err = err
		return r
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := dialTURN(ctx, transport, addr, tlsConf)
	if err != nil {
		r.err = err
		return r
	}
	defer conn.Close()
	client, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: addr, TURNServerAddr: addr, Conn: conn,
		Username: username, Password: password, RTO: timeout / 8, LoggerFactory: quietLogs(),
	})
	if err != nil {
		r.err = err
		return r
	}
	defer client.Close()
	if err := client.Listen(); err != nil {
		r.err = err
		return r
	}
	start := time.Now()
	type answer struct {
		relay net.PacketConn
		err   error
	}
	done := make(chan answer, 1)
	go func() {
		relay, err := client.Allocate()
		done <- answer{relay, err}
	}()
	select {
	case a := <-done:
		r.rtt = time.Since(start)
		if a.err != nil {
			r.err = a.err
			r.refused = unauthorized(a.err)
			return r
		}
		r.relayed = a.relay.LocalAddr().String()
		_ = a.relay.Close()
	case <-ctx.Done():
		client.Close()
		conn.Close()
		<-done
		r.err = fmt.Errorf("no answer within %s", timeout)
	}
	return r
}

// unauthorized reports whether err is the TURN server's 401 answer.
func unauthorized(err error) bool {
	var te stun.TurnError
	var tp *stun.TurnError
	switch {
	case errors.As(err, &te):
		return te.ErrorCodeAttr.Code == stun.CodeUnauthorized
	case errors.As(err, &tp):
		return tp.ErrorCodeAttr.Code == stun.CodeUnauthorized
	}
	return false
}

// dialTURN opens the client side: a UDP socket, or a TCP or TLS
// connection framed as STUN.
func dialTURN(ctx context.Context, transport, addr string, tlsConf *tls.Config) (net.PacketConn, error) {
	d := &net.Dialer{}
	switch transport {
	case "udp":
		return net.ListenPacket("udp", ":0")
	case "tcp":
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		return turn.NewSTUNConn(c), nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if tlsConf != nil {
		conf = tlsConf.Clone()
	}
	if host, _, err := net.SplitHostPort(addr); err == nil && conf.ServerName == "" {
		conf.ServerName = host
	}
	c, err := (&tls.Dialer{NetDialer: d, Config: conf}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return turn.NewSTUNConn(c), nil
}

// credentialCheck fails when the TURN servers that answered refused the
// credentials.
func credentialCheck(results []turnResult) check {
	c := check{Check: "turn credentials", Status: statusOK, Value: "accepted"}
	refused, accepted := 0, 0
	for _, r := range results {
		switch {
		case r.err == nil:
			accepted++
		case r.refused:
			refused++
		}
	}
	switch {
	case refused > 0:
		c.Status, c.Value, c.Cause = statusFail, fmt.Sprintf("refused by %d of %d allocations", refused, len(results)), causeSecret
	case accepted == 0:
		c.Status, c.Value = statusWarn, "no TURN server answered"
	}
	return c
}

// tcpCheck fails when no TURN relay over TCP or TLS works: users behind
// firewalls that drop UDP cannot join.
func tcpCheck(results []turnResult) check {
	c := check{Check: "turn over tcp/tls", Status: statusFail, Value: "none reachable", Cause: causeNoTCP}
	for _, r := range results {
		if r.err == nil && r.transport != "udp" {
			c.Status, c.Value, c.Cause = statusOK, r.transport+" "+r.uri, ""
			return c
		}
	}
	return c
}
