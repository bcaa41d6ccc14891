package oidc

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestNoSecretsInLogsOrErrors runs a successful sign-in and the failures
// whose causes come from the provider, then searches every log line, error
// message and page body for every secret that took part: client secret, BBB
// secret, cookie key, codes, ID/access/refresh tokens, state, nonce, PKCE
// challenge, cookie values and the join URL's checksum.
func TestNoSecretsInLogsOrErrors(t *testing.T) {
	t.Parallel()
	cookieKey := []byte("cookie-key-" + randomToken())
	h := newHarness(t, WithCookieKeys(cookieKey), WithUserInfo())
	var bodies []string
	var cookies []string
	var checksums []string

	record := func(ans hop) {
		bodies = append(bodies, ans.body)
		for _, c := range ans.header.Values("Set-Cookie") {
			name, rest, _ := strings.Cut(c, "=")
			val, _, _ := strings.Cut(rest, ";")
			if val != "" {
				cookies = append(cookies, name+"="+val, val)
			}
		}
	}
	b := h.browser()
	_, ans := b.login("physics-101")
	record(ans)
	if ans.status != http.StatusSeeOther {
		t.Fatalf("happy path: %d %s", ans.status, ans.body)
	}
	checksums = append(checksums, mustQuery(t, ans.location).Get("checksum"))
	b.enter(ans.location)

	for _, op := range []func(*fakeOP){
		func(op *fakeOP) { op.tokenErr = "invalid_grant" }, // description echoes code and secret
		func(op *fakeOP) { op.tokenErr = ""; op.secret = "x" + op.secret },
		func(op *fakeOP) { op.secret = op.secret[1:]; op.mutate = func(c map[string]any) { c["aud"] = "other" } },
		func(op *fakeOP) { op.mutate = func(c map[string]any) { c["nonce"] = "n" } },
		func(op *fakeOP) { op.mutate = func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() } },
		func(op *fakeOP) { op.mutate = nil; op.infoFail = true }, // error body echoes the access token
		func(op *fakeOP) { op.infoFail = false; op.foreign = true },
	} {
		h.op.set(op)
		_, ans := h.browser().login("physics-101")
		record(ans)
		if ans.status < 400 {
			t.Fatalf("hostile case answered %d", ans.status)
		}
	}
	// A replay and a tampered callback.
	h.op.set(func(op *fakeOP) { op.foreign = false })
	b2 := h.browser()
	cb := b2.loginUntilCallback("physics-101")
	saved := b2.portalCookies()
	for _, c := range saved {
		cookies = append(cookies, c.Value)
	}
	record(b2.get(cb))
	u, _ := url.Parse(h.portal.URL)
	b2.client.Jar.SetCookies(u, saved)
	record(b2.get(cb))

	secrets := []string{h.op.secret, h.bbbSrv.Secret, string(cookieKey)}
	h.op.mu.Lock()
	secrets = append(secrets, h.op.issued...)
	for _, q := range h.op.requests {
		secrets = append(secrets, q.Get("state"), q.Get("nonce"), q.Get("code_challenge"))
	}
	h.op.mu.Unlock()
	secrets = append(secrets, cookies...)
	secrets = append(secrets, checksums...)

	h.mu.Lock()
	var errs []string
	for _, e := range h.errs {
		errs = append(errs, e.Error())
	}
	h.mu.Unlock()
	if len(errs) < 7 {
		t.Fatalf("only %d errors recorded", len(errs))
	}
	haystacks := map[string]string{
		"logs":   h.logs.String(),
		"errors": strings.Join(errs, "\n"),
		"pages":  strings.Join(bodies, "\n"),
	}
	for where, text := range haystacks {
		for _, s := range secrets {
			if len(s) < 8 {
				continue
			}
			if i := strings.Index(text, s); i >= 0 {
				t.Errorf("%s contain a secret (%.6s...) in %q", where, s, text[max(0, i-80):i])
			}
		}
	}
	if !strings.Contains(h.logs.String(), "kind=") || !strings.Contains(h.logs.String(), "oidc join") {
		t.Fatalf("logs do not describe what happened:\n%s", h.logs.String())
	}
}
