package oidc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// fakeOP is an in-process OpenID provider signing ES256 ID tokens with
// go-jose. Unlike mockoidc it lets a test shape every token: the hostile
// cases (wrong audience, wrong nonce, expired, foreign signature) are made
// by mutating the claims or the key before signing.
type fakeOP struct {
	t      testing.TB
	srv    *httptest.Server
	key    *ecdsa.PrivateKey
	other  *ecdsa.PrivateKey // not in the key set
	client string
	secret string

	mu       sync.Mutex
	codes    map[string]*fakeAuth
	tokens   map[string]map[string]any // access token -> userinfo claims
	user     map[string]any
	userinfo map[string]any // extra claims only UserInfo returns
	mutate   func(claims map[string]any)
	foreign  bool   // sign with other
	tokenErr string // error code the token endpoint answers with
	noIDTok  bool
	infoFail bool     // UserInfo answers 500
	issued   []string // every token and code handed out, for the leak test
	requests []url.Values
}

type fakeAuth struct {
	nonce, challenge, method, redirect string
	used                               bool
}

func newFakeOP(t testing.TB) *fakeOP {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	op := &fakeOP{
		t: t, key: key, other: other,
		client: "portal-client",
		secret: "client-secret-" + randomToken(),
		codes:  map[string]*fakeAuth{},
		tokens: map[string]map[string]any{},
		user: map[string]any{
			"sub":            "u-1001",
			"name":           "Ada Lovelace",
			"email":          "ada@uni.example",
			"email_verified": true,
			"picture":        "https://idp.example/ada.png",
			"groups":         []any{"staff", "/teachers"},
		},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", op.discovery)
	mux.HandleFunc("GET /authorize", op.authorize)
	mux.HandleFunc("POST /token", op.token)
	mux.HandleFunc("GET /userinfo", op.userinfoHandler)
	mux.HandleFunc("GET /keys", op.keys)
	op.srv = httptest.NewServer(mux)
	t.Cleanup(op.srv.Close)
	return op
}

func (op *fakeOP) issuer() string { return op.srv.URL }

func (op *fakeOP) set(f func(op *fakeOP)) {
	op.mu.Lock()
	defer op.mu.Unlock()
	f(op)
}

func (op *fakeOP) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                op.srv.URL,
		"authorization_endpoint":                op.srv.URL + "/authorize",
		"token_endpoint":                        op.srv.URL + "/token",
		"userinfo_endpoint":                     op.srv.URL + "/userinfo",
		"jwks_uri":                              op.srv.URL + "/keys",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"ES256"},
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

func (op *fakeOP) keys(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &op.key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig",
	}}})
}

func (op *fakeOP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	op.mu.Lock()
	op.requests = append(op.requests, q)
	op.mu.Unlock()
	if q.Get("client_id") != op.client || q.Get("response_type") != "code" || q.Get("state") == "" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		http.Error(w, "PKCE S256 required", http.StatusBadRequest)
		return
	}
	code := randomToken()
	op.mu.Lock()
	op.codes[code] = &fakeAuth{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method"), redirect: q.Get("redirect_uri")}
	op.issued = append(op.issued, code)
	op.mu.Unlock()
	u, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	v := u.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	u.RawQuery = v.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (op *fakeOP) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	op.mu.Lock()
	defer op.mu.Unlock()
	if op.tokenErr != "" {
		// Real providers echo what they got; the Joiner must not pass it on.
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": op.tokenErr,
			"error_description": "rejected code " + r.PostForm.Get("code") + " for secret " + secret})
		return
	}
	if id != op.client || secret != op.secret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	a, found := op.codes[r.PostForm.Get("code")]
	if !found || a.used || a.redirect != r.PostForm.Get("redirect_uri") {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	a.used = true
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != a.challenge {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	now := time.Now()
	access := randomToken()
	atSum := sha256.Sum256([]byte(access))
	claims := maps.Clone(op.user)
	claims["at_hash"] = base64.RawURLEncoding.EncodeToString(atSum[:16]) // as Keycloak sends it
	claims["iss"] = op.srv.URL
	claims["aud"] = op.client
	claims["iat"] = now.Unix()
	claims["exp"] = now.Add(5 * time.Minute).Unix()
	if a.nonce != "" {
		claims["nonce"] = a.nonce
	}
	if op.mutate != nil {
		op.mutate(claims)
	}
	key := op.key
	if op.foreign {
		key = op.other
	}
	idt := signJWT(op.t, key, claims)
	refresh := randomToken()
	info := maps.Clone(op.user)
	maps.Copy(info, op.userinfo)
	op.tokens[access] = info
	op.issued = append(op.issued, idt, access, refresh)
	resp := map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 300, "refresh_token": refresh}
	if !op.noIDTok {
		resp["id_token"] = idt
	}
	writeJSON(w, http.StatusOK, resp)
}

func (op *fakeOP) userinfoHandler(w http.ResponseWriter, r *http.Request) {
	const prefix = "Bearer "
	h := r.Header.Get("Authorization")
	op.mu.Lock()
	info, ok := op.tokens[h[min(len(prefix), len(h)):]]
	fail := op.infoFail
	op.mu.Unlock()
	if fail {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error", "error_description": "token " + h})
		return
	}
	if len(h) <= len(prefix) || !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	writeJSON(w, http.StatusOK, info)
}

func signJWT(t testing.TB, key *ecdsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
