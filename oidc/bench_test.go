package oidc

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func benchState() *loginState {
	return &loginState{State: randomToken(), Nonce: randomToken(), Verifier: randomToken(), Meeting: "physics-101", Expires: time.Now().Unix()}
}

// BenchmarkStateJSON is the baseline for the cookie benchmarks: encoding
// the login state without sealing it.
func BenchmarkStateJSON(b *testing.B) {
	ls := benchState()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(ls); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSealCookie encodes and seals (AES-GCM + HMAC) the login state.
func BenchmarkSealCookie(b *testing.B) {
	s, _ := newSealer([][]byte{testKey(1)})
	ls := benchState()
	b.ReportAllocs()
	for b.Loop() {
		plain, _ := json.Marshal(ls)
		if _, err := s.seal("__Host-bbbkit-oidc-l-0123456789abcdef", plain); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenCookie authenticates, decrypts and decodes a login cookie.
func BenchmarkOpenCookie(b *testing.B) {
	s, _ := newSealer([][]byte{testKey(1)})
	plain, _ := json.Marshal(benchState())
	v, _ := s.seal("c", plain)
	b.ReportAllocs()
	for b.Loop() {
		p, err := s.open("c", v)
		if err != nil {
			b.Fatal(err)
		}
		var ls loginState
		if err := json.Unmarshal(p, &ls); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoginBaseline is an http.Redirect through the same recorder:
// the floor under BenchmarkLogin.
func BenchmarkLoginBaseline(b *testing.B) {
	req := httptest.NewRequest(http.MethodGet, "/oidc/login?meeting=physics-101", nil)
	b.ReportAllocs()
	for b.Loop() {
		http.Redirect(httptest.NewRecorder(), req, "https://idp.example/authorize?state=x", http.StatusFound)
	}
}

// BenchmarkLogin is the full login handler: room lookup, three random
// values, sealed cookie, authorization URL.
func BenchmarkLogin(b *testing.B) {
	op := newFakeOP(b)
	j, err := New(b.Context(), newBBBForTest(b), Config{Issuer: op.issuer(), ClientID: op.client, RedirectURL: "https://portal.example/cb"}, WithRooms(testRooms...))
	if err != nil {
		b.Fatal(err)
	}
	h := j.Handler()
	req := httptest.NewRequest(http.MethodGet, "/oidc/login?meeting=physics-101", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusFound {
			b.Fatal(rec.Code)
		}
	}
}
