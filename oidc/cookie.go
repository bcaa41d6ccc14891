package oidc

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// Cookie values are sealed with encrypt-then-MAC: AES-256-GCM under a key
// derived from the configured secret, then HMAC-SHA-256 under a second
// derived key over the cookie name and the ciphertext. The name is also the
// GCM additional data, so a value cannot be moved to another cookie.
//
//	value = base64url( version(1) | nonce(12) | ciphertext | tag(16) | hmac(32) )

const (
	sealVersion   = 1
	gcmNonceSize  = 12
	macSize       = sha256.Size
	minKeyLength  = 32
	maxCookieSize = 3800 // stays below the 4096-byte limit browsers keep with name and attributes
)

var errSealed = errors.New("cookie value not authentic")

type sealKey struct {
	aead cipher.AEAD
	mac  []byte
}

// sealer seals with the first key and opens with any, which allows rotation.
type sealer struct {
	keys []sealKey
}

func newSealer(secrets [][]byte) (*sealer, error) {
	if len(secrets) == 0 {
		return nil, errors.New("no cookie key")
	}
	s := &sealer{}
	for i, secret := range secrets {
		if len(secret) < minKeyLength {
			return nil, fmt.Errorf("cookie key %d is %d bytes, need at least %d", i, len(secret), minKeyLength)
		}
		encKey, err := hkdf.Key(sha256.New, secret, nil, "bbbkit oidc cookie encryption v1", 32)
		if err != nil {
			return nil, fmt.Errorf("derive cookie key %d: %w", i, err)
		}
		macKey, err := hkdf.Key(sha256.New, secret, nil, "bbbkit oidc cookie authentication v1", 32)
		if err != nil {
			return nil, fmt.Errorf("derive cookie key %d: %w", i, err)
		}
		block, err := aes.NewCipher(encKey)
		if err != nil {
			return nil, fmt.Errorf("cookie key %d: %w", i, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("cookie key %d: %w", i, err)
		}
		s.keys = append(s.keys, sealKey{aead: aead, mac: macKey})
	}
	return s, nil
}

func (k *sealKey) sum(name string, body []byte) []byte {
	h := hmac.New(sha256.New, k.mac)
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write(body)
	return h.Sum(nil)
}

// seal encrypts and authenticates plaintext for the cookie called name.
func (s *sealer) seal(name string, plaintext []byte) (string, error) {
	k := &s.keys[0]
	body := make([]byte, 1+gcmNonceSize, 1+gcmNonceSize+len(plaintext)+k.aead.Overhead()+macSize)
	body[0] = sealVersion
	if _, err := rand.Read(body[1 : 1+gcmNonceSize]); err != nil {
		return "", fmt.Errorf("cookie nonce: %w", err)
	}
	body = k.aead.Seal(body, body[1:1+gcmNonceSize], plaintext, []byte(name))
	body = append(body, k.sum(name, body)...)
	out := base64.RawURLEncoding.EncodeToString(body)
	if len(out)+len(name) > maxCookieSize {
		return "", fmt.Errorf("cookie value of %d bytes exceeds %d", len(out), maxCookieSize)
	}
	return out, nil
}

// open authenticates and decrypts a value sealed for the cookie called name.
// Every failure is the same opaque error: callers learn nothing about why.
func (s *sealer) open(name, value string) ([]byte, error) {
	if len(value) > maxCookieSize {
		return nil, errSealed
	}
	body, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(body) < 1+gcmNonceSize+16+macSize || body[0] != sealVersion {
		return nil, errSealed
	}
	signed, mac := body[:len(body)-macSize], body[len(body)-macSize:]
	for i := range s.keys {
		k := &s.keys[i]
		if !hmac.Equal(k.sum(name, signed), mac) {
			continue
		}
		plain, err := k.aead.Open(nil, signed[1:1+gcmNonceSize], signed[1+gcmNonceSize:], []byte(name))
		if err != nil {
			return nil, errSealed
		}
		return plain, nil
	}
	return nil, errSealed
}
