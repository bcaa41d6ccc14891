package oidc

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestSealerRoundTripAndTamper(t *testing.T) {
	t.Parallel()
	s, err := newSealer([][]byte{testKey(1)})
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte(`{"s":"state","n":"nonce"}`)
	v, err := s.seal("c1", plain)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(v, "state") || strings.Contains(v, "nonce") {
		t.Fatal("sealed value shows the plaintext")
	}
	got, err := s.open("c1", v)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open = %q, %v", got, err)
	}
	v2, _ := s.seal("c1", plain)
	if v2 == v {
		t.Fatal("two seals of the same plaintext are equal (nonce reuse)")
	}
	raw, _ := base64.RawURLEncoding.DecodeString(v)
	for i := range raw {
		b := bytes.Clone(raw)
		b[i] ^= 0x40
		if _, err := s.open("c1", base64.RawURLEncoding.EncodeToString(b)); !errors.Is(err, errSealed) {
			t.Fatalf("flipping byte %d was accepted", i)
		}
	}
	for _, bad := range []string{"", "!!!", v[:20], v + "AA", strings.Repeat("A", maxCookieSize+1)} {
		if _, err := s.open("c1", bad); !errors.Is(err, errSealed) {
			t.Errorf("open(%.20q) accepted", bad)
		}
	}
	if _, err := s.open("c2", v); !errors.Is(err, errSealed) {
		t.Fatal("value moved to another cookie name was accepted")
	}
	other, _ := newSealer([][]byte{testKey(2)})
	if _, err := other.open("c1", v); !errors.Is(err, errSealed) {
		t.Fatal("opened with another key")
	}
}

func TestSealerRotation(t *testing.T) {
	t.Parallel()
	old, _ := newSealer([][]byte{testKey(1)})
	v, _ := old.seal("c", []byte("x"))
	rotated, err := newSealer([][]byte{testKey(2), testKey(1)})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.open("c", v); err != nil || string(got) != "x" {
		t.Fatalf("rotated sealer cannot open old value: %v", err)
	}
	nv, _ := rotated.seal("c", []byte("y"))
	if _, err := old.open("c", nv); err == nil {
		t.Fatal("new value sealed with the old key")
	}
}

func TestSealerRejectsShortKeysAndHugeValues(t *testing.T) {
	t.Parallel()
	if _, err := newSealer([][]byte{make([]byte, 31)}); err == nil {
		t.Fatal("31-byte key accepted")
	}
	if _, err := newSealer(nil); err == nil {
		t.Fatal("no key accepted")
	}
	s, _ := newSealer([][]byte{testKey(1)})
	if _, err := s.seal("c", make([]byte, 4000)); err == nil {
		t.Fatal("oversized cookie sealed")
	}
}

func FuzzSealerOpen(f *testing.F) {
	s, _ := newSealer([][]byte{testKey(1)})
	good, _ := s.seal("c", []byte(`{"s":"x"}`))
	f.Add(good)
	f.Add("")
	f.Add("AQ")
	f.Fuzz(func(t *testing.T, v string) {
		// Only values this sealer produced open, and only to what it sealed.
		if plain, err := s.open("c", v); err == nil && string(plain) != `{"s":"x"}` {
			t.Fatalf("forged value opened to %q", plain)
		} else if err != nil && !errors.Is(err, errSealed) {
			t.Fatalf("error %v is not the opaque errSealed", err)
		}
	})
}

func TestMemoryReplayCache(t *testing.T) {
	t.Parallel()
	var now atomicTime
	now.set(time.Unix(1000, 0))
	c := NewMemoryReplayCache(2, now.get)
	ctx := context.Background()
	exp := time.Unix(1100, 0)
	if first, err := c.Use(ctx, "a", exp); !first || err != nil {
		t.Fatal("first use refused")
	}
	if first, _ := c.Use(ctx, "a", exp); first {
		t.Fatal("replay accepted")
	}
	if first, _ := c.Use(ctx, "b", exp); !first {
		t.Fatal("b refused")
	}
	if _, err := c.Use(ctx, "c", exp); !errors.Is(err, ErrReplayCacheFull) {
		t.Fatalf("full cache: %v", err)
	}
	now.set(time.Unix(1200, 0))
	if first, err := c.Use(ctx, "c", time.Unix(1300, 0)); !first || err != nil {
		t.Fatalf("after expiry: %v %v", first, err)
	}
	if c.Len() != 1 {
		t.Fatalf("expired keys not pruned: %d", c.Len())
	}
	if first, _ := c.Use(ctx, "a", time.Unix(1300, 0)); !first {
		t.Fatal("expired key still blocks")
	}
}
