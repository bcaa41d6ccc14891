package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/pion/stun/v3"
)

// coturn is a real coturn (Debian's turnserver) on 127.0.0.1.
type coturn struct {
	port, tlsPort int
	caFile        string
}

// startCoturn starts turnserver with the static auth secret and extra
// flags, with a self-signed certificate for its TLS listener, and waits
// until it answers STUN over UDP.
func startCoturn(t *testing.T, secret string, tls bool, extra ...string) *coturn {
	t.Helper()
	bin, err := exec.LookPath("turnserver")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("turnserver (Debian package coturn) is required in CI: .ci/run installs it")
		}
		t.Skip("turnserver not installed (apt-get install coturn); the doctor TURN tests need a real coturn")
	}
	dir := t.TempDir()
	c := &coturn{port: freePort(t), tlsPort: freePort(t)}
	args := []string{"-n", "--listening-ip", "127.0.0.1", "--relay-ip", "127.0.0.1",
		"--listening-port", strconv.Itoa(c.port), "--tls-listening-port", strconv.Itoa(c.tlsPort),
		"--use-auth-secret", "--static-auth-secret", secret, "--realm", "bbbctl.test",
		"--no-cli", "--no-dtls", "--log-file", "stdout", "--simple-log",
		"--pidfile", filepath.Join(dir, "turnserver.pid"), "--userdb", filepath.Join(dir, "turndb")}
	if tls {
		cert, key := selfSigned(t, dir)
		c.caFile = cert
		args = append(args, "--cert", cert, "--pkey", key)
	} else {
		args = append(args, "--no-tls")
	}
	cmd := exec.Command(bin, append(args, extra...)...)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("cmd.Start(): %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("turnserver log:\n%s", log.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for !stunAnswers(fmt.Sprintf("127.0.0.1:%d", c.port)) {
		if time.Now().After(deadline) {
			t.Fatalf("turnserver did not answer STUN within 10s:\n%s", log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return c
}

func stunAnswers(addr string) bool {
	conn, err := net.Dial("udp", addr)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(300 * time.Millisecond))
	msg := stun.MustBuild(stun.TransactionID, stun.BindingRequest)
	if _, err := conn.Write(msg.Raw); err != nil {
		return false
	}
	buf := make([]byte, 1500)
	n, err := conn.Read(buf)
	return err == nil && stun.IsMessage(buf[:n])
}

// freePort is a port free for both TCP and UDP on 127.0.0.1.
func freePort(t *testing.T) int {
	t.Helper()
	for range 50 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("net.Listen(\"tcp\", \"127.0.0.1:0\"): %v", err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		pc, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		ln.Close()
		if err == nil {
			pc.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("ecdsa.GenerateKey(elliptic.P256(), rand.Reader): %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key): %v", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatalf("x509.MarshalECPrivateKey(key): %v", err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatalf("os.WriteFile(...): %v", err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatalf("os.WriteFile(...): %v", err)
	}
	return certFile, keyFile
}

// doctorAgainst runs doctor on a fake BBB that hands out c's STUN and TURN
// URIs with credentials signed by fakeSecret.
func doctorAgainst(t *testing.T, c *coturn, fakeSecret string, format string) (result, *bbbtest.Server) {
	t.Helper()
	w := bbbtest.NewServer(
		bbbtest.WithSecret("doctor-bbb-secret-0123456789"),
		bbbtest.WithSTUNServers(fmt.Sprintf("stun:127.0.0.1:%d", c.port)),
		bbbtest.WithTURNServers(fakeSecret, time.Hour,
			fmt.Sprintf("turn:127.0.0.1:%d", c.port),
			fmt.Sprintf("turns:127.0.0.1:%d?transport=tcp", c.tlsPort)),
	)
	t.Cleanup(w.Close)
	args := []string{"doctor", "-o", format, "-probe-timeout", "3s"}
	if c.caFile != "" {
		args = append(args, "-ca-file", c.caFile)
	}
	env := map[string]string{"BBBCTL_URL": w.URL, "BBBCTL_SECRET": w.Secret, "BBBCTL_CONFIG": "/nonexistent"}
	return ctl(t, env, args...), w
}

// checksByName decodes doctor's JSON, keyed by check name.
func checksByName(t *testing.T, out string) map[string]check {
	t.Helper()
	var checks []check
	if err := json.Unmarshal([]byte(out), &checks); err != nil {
		t.Fatalf("json.Unmarshal([]byte(out), &checks): %v (%s)", err, out)
	}
	m := map[string]check{}
	for _, c := range checks {
		m[c.Check] = c
	}
	return m
}

func TestDoctorTURNAllTransports(t *testing.T) {
	t.Parallel()
	c := startCoturn(t, turnSecret, true)
	r, w := doctorAgainst(t, c, turnSecret, outJSON)
	requireOK(t, r)
	checks := checksByName(t, r.stdout)
	for _, name := range []string{
		"ice servers",
		fmt.Sprintf("stun udp stun:127.0.0.1:%d", c.port),
		fmt.Sprintf("turn udp turn:127.0.0.1:%d", c.port),
		fmt.Sprintf("turn tcp turn:127.0.0.1:%d", c.port),
		fmt.Sprintf("turn tls turns:127.0.0.1:%d?transport=tcp", c.tlsPort),
		"turn credentials", "turn over tcp/tls", "api", "checksums", "clock",
	} {
		if _, ok := checks[name]; !ok {
			t.Fatalf("checks = %v; want a %q check", checks, name)
		}
		if checks[name].Status != statusOK {
			t.Errorf("checks[name].Status = %v; want %v (%s: %+v)", checks[name].Status, statusOK, name, checks[name])
		}
	}
	if got := checks[fmt.Sprintf("turn udp turn:127.0.0.1:%d", c.port)].Value; !strings.Contains(got, "relayed address 127.0.0.1:") {
		t.Errorf("checks[fmt.Sprintf(\"turn udp turn:127.0.0.1:%%d\", c.port)].Value = %q; want it to contain %q", got, "relayed address 127.0.0.1:")
	}
	if !strings.Contains(checks["checksums"].Value, "accepted: sha1 sha256 sha384 sha512") {
		t.Errorf("checks[\"checksums\"].Value = %q; want it to contain %q", checks["checksums"].Value, "accepted: sha1 sha256 sha384 sha512")
	}
	if got := w.Meetings(); len(got) != 0 {
		t.Errorf("w.Meetings() = %v; want empty (the probe meeting was not ended)", got)
	}

	r, _ = doctorAgainst(t, c, turnSecret, outTable)
	requireOK(t, r)
	if !regexp.MustCompile(`turn tls turns:127\.0\.0\.1:\d+\?transport=tcp\s+ok\s+relayed address`).MatchString(r.stdout) {
		t.Errorf("r.stdout = %q; want it to match `turn tls turns:127\\.0\\.0\\.1:\\d+\\?transport=tcp\\s+ok\\s+relayed address`", r.stdout)
	}
	if strings.Contains(r.stdout, turnSecret) {
		t.Errorf("r.stdout = %q; want it not to contain %q", r.stdout, turnSecret)
	}
}

func TestDoctorTURNWithoutTCP(t *testing.T) {
	t.Parallel()
	c := startCoturn(t, turnSecret, false, "--no-tcp")
	r, _ := doctorAgainst(t, c, turnSecret, outTable)
	if r.code != cli.ExitFailure {
		t.Errorf("r.code = %v; want %v (%s)", r.code, cli.ExitFailure, r.stdout)
	}
	if !regexp.MustCompile(fmt.Sprintf(`turn udp turn:127\.0\.0\.1:%d\s+ok`, c.port)).MatchString(r.stdout) {
		t.Errorf("r.stdout = %q; want it to match fmt.Sprintf(`turn udp turn:127\\.0\\.0\\.1:%%d\\s+ok`, c.port)", r.stdout)
	}
	if !regexp.MustCompile(fmt.Sprintf(`turn tcp turn:127\.0\.0\.1:%d\s+fail`, c.port)).MatchString(r.stdout) {
		t.Errorf("r.stdout = %q; want it to match fmt.Sprintf(`turn tcp turn:127\\.0\\.0\\.1:%%d\\s+fail`, c.port)", r.stdout)
	}
	if !regexp.MustCompile(`turn tls turns:\S+\s+fail`).MatchString(r.stdout) {
		t.Errorf("r.stdout = %q; want it to match `turn tls turns:\\S+\\s+fail`", r.stdout)
	}
	if !regexp.MustCompile(`turn over tcp/tls\s+fail\s+none reachable`).MatchString(r.stdout) {
		t.Errorf("r.stdout = %q; want it to match `turn over tcp/tls\\s+fail\\s+none reachable`", r.stdout)
	}
	if !strings.Contains(r.stdout, "1007 and 1020") {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, "1007 and 1020")
	}
	if !strings.Contains(r.stderr, "checks failed") {
		t.Errorf("r.stderr = %q; want it to contain %q", r.stderr, "checks failed")
	}

	r, _ = doctorAgainst(t, c, turnSecret, outJSON)
	if r.code != cli.ExitFailure {
		t.Errorf("r.code = %v; want %v", r.code, cli.ExitFailure)
	}
	checks := checksByName(t, r.stdout)
	if checks["turn over tcp/tls"].Status != statusFail {
		t.Errorf("checks[\"turn over tcp/tls\"].Status = %v; want %v", checks["turn over tcp/tls"].Status, statusFail)
	}
	if !strings.Contains(checks["turn over tcp/tls"].Cause, "1007") {
		t.Errorf("checks[\"turn over tcp/tls\"].Cause = %q; want it to contain %q", checks["turn over tcp/tls"].Cause, "1007")
	}
}

func TestDoctorTURNWrongSecret(t *testing.T) {
	t.Parallel()
	c := startCoturn(t, turnSecret, false)
	r, _ := doctorAgainst(t, c, "not-the-coturn-secret", outJSON)
	if r.code != cli.ExitFailure {
		t.Errorf("r.code = %v; want %v (%s)", r.code, cli.ExitFailure, r.stdout)
	}
	checks := checksByName(t, r.stdout)
	cred := checks["turn credentials"]
	if cred.Status != statusFail {
		t.Errorf("cred.Status = %v; want %v (%+v)", cred.Status, statusFail, cred)
	}
	if !strings.Contains(cred.Cause, "static-auth-secret") {
		t.Errorf("cred.Cause = %q; want it to contain %q", cred.Cause, "static-auth-secret")
	}
	udp := checks[fmt.Sprintf("turn udp turn:127.0.0.1:%d", c.port)]
	if udp.Status != statusFail {
		t.Errorf("udp.Status = %v; want %v", udp.Status, statusFail)
	}
	if udp.Value != "credentials refused (401)" {
		t.Errorf("udp.Value = %q; want %q", udp.Value, "credentials refused (401)")
	}
	if strings.Contains(r.stdout+r.stderr, "not-the-coturn-secret") {
		t.Errorf("r.stdout+r.stderr = %q; want it not to contain %q", r.stdout+r.stderr, "not-the-coturn-secret")
	}
}

// Without TURN servers in stuns, doctor fails naming the consequence.
func TestDoctorNoTURN(t *testing.T) {
	t.Parallel()
	w := bbbtest.NewServer(bbbtest.WithSecret("doctor-bbb-secret-0123456789"))
	defer w.Close()
	r := ctl(t, map[string]string{"BBBCTL_URL": w.URL, "BBBCTL_SECRET": w.Secret, "BBBCTL_CONFIG": "/nonexistent"}, "doctor", "-o", "json")
	if r.code != cli.ExitFailure {
		t.Errorf("r.code = %v; want %v (%s)", r.code, cli.ExitFailure, r.stdout)
	}
	checks := checksByName(t, r.stdout)
	if checks["ice servers"].Status != statusFail {
		t.Errorf("checks[\"ice servers\"].Status = %v; want %v", checks["ice servers"].Status, statusFail)
	}
	if checks["ice servers"].Value != "0 STUN, 0 TURN" {
		t.Errorf("checks[\"ice servers\"].Value = %q; want %q", checks["ice servers"].Value, "0 STUN, 0 TURN")
	}
	if !strings.Contains(checks["ice servers"].Cause, "1007/1020") {
		t.Errorf("checks[\"ice servers\"].Cause = %q; want it to contain %q", checks["ice servers"].Cause, "1007/1020")
	}
	// plain HTTP
	if checks["tls"].Status != statusWarn {
		t.Errorf("checks[\"tls\"].Status = %v; want %v", checks["tls"].Status, statusWarn)
	}
	if got := w.Meetings(); len(got) != 0 {
		t.Errorf("w.Meetings() = %v; want empty", got)
	}

	r = ctl(t, map[string]string{"BBBCTL_URL": w.URL, "BBBCTL_SECRET": w.Secret, "BBBCTL_CONFIG": "/nonexistent"}, "doctor", "-skip-turn")
	requireOK(t, r)
}

// A wrong server secret fails the checksum check with its fix.
func TestDoctorWrongSecret(t *testing.T) {
	t.Parallel()
	w := bbbtest.NewServer(bbbtest.WithSecret("doctor-bbb-secret-0123456789"))
	defer w.Close()
	r := ctl(t, map[string]string{"BBBCTL_URL": w.URL, "BBBCTL_SECRET": "wrong-secret-wrong-secret", "BBBCTL_CONFIG": "/nonexistent"}, "doctor", "-skip-turn", "-o", "json")
	if r.code != cli.ExitFailure {
		t.Errorf("r.code = %v; want %v", r.code, cli.ExitFailure)
	}
	checks := checksByName(t, r.stdout)
	if checks["checksums"].Status != statusFail {
		t.Errorf("checks[\"checksums\"].Status = %v; want %v", checks["checksums"].Status, statusFail)
	}
	if !strings.Contains(checks["checksums"].Cause, "secret is wrong") {
		t.Errorf("checks[\"checksums\"].Cause = %q; want it to contain %q", checks["checksums"].Cause, "secret is wrong")
	}
	if strings.Contains(r.stdout+r.stderr, "wrong-secret-wrong-secret") {
		t.Errorf("r.stdout+r.stderr = %q; want it not to contain %q", r.stdout+r.stderr, "wrong-secret-wrong-secret")
	}
}
