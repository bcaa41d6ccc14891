package checksum

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strings"
)

// Algorithm is a hash function BigBlueButton accepts for checksums.
type Algorithm int

// The algorithms BigBlueButton servers accept. SHA-256 is the default of every
// bbbkit client; SHA-1 is only needed for servers older than 2.5 or
// deliberately configured for it.
const (
	SHA1 Algorithm = iota + 1
	SHA256
	SHA384
	SHA512
)

// All lists every supported algorithm, weakest first.
var All = []Algorithm{SHA1, SHA256, SHA384, SHA512}

// String returns the name BigBlueButton uses in its configuration
// (supportedChecksumAlgorithms), such as "sha256".
func (a Algorithm) String() string {
	switch a {
	case SHA1:
		return "sha1"
	case SHA256:
		return "sha256"
	case SHA384:
		return "sha384"
	case SHA512:
		return "sha512"
	}
	return fmt.Sprintf("Algorithm(%d)", int(a))
}

// Valid reports whether a is one of the four supported algorithms.
func (a Algorithm) Valid() bool { return a >= SHA1 && a <= SHA512 }

// HexLen is the length in hexadecimal digits of a checksum made with a, or 0
// for an invalid algorithm.
func (a Algorithm) HexLen() int {
	switch a {
	case SHA1:
		return 40
	case SHA256:
		return 64
	case SHA384:
		return 96
	case SHA512:
		return 128
	}
	return 0
}

// New returns a fresh hash.Hash for a. It panics for an invalid algorithm,
// which is a programming error; use Valid or ParseAlgorithm first for input.
func (a Algorithm) New() hash.Hash {
	switch a {
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	case SHA384:
		return sha512.New384()
	case SHA512:
		return sha512.New()
	}
	panic("checksum: invalid algorithm " + a.String())
}

// ParseAlgorithm parses a name such as "sha256", "SHA-256" or "SHA256".
func ParseAlgorithm(name string) (Algorithm, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.ReplaceAll(n, "-", "")
	for _, a := range All {
		if a.String() == n {
			return a, nil
		}
	}
	return 0, fmt.Errorf("checksum: unknown algorithm %q (want sha1, sha256, sha384 or sha512)", name)
}

// ParseAlgorithms parses a list such as "sha1,sha256" or "[SHA1:SHA256]".
// Separators may be commas, colons, spaces or semicolons; brackets are
// ignored. An empty list is an error.
func ParseAlgorithms(list string) ([]Algorithm, error) {
	fields := strings.FieldsFunc(list, func(r rune) bool {
		return r == ',' || r == ':' || r == ';' || r == ' ' || r == '[' || r == ']'
	})
	if len(fields) == 0 {
		return nil, errors.New("checksum: empty algorithm list")
	}
	out := make([]Algorithm, 0, len(fields))
	for _, f := range fields {
		a, err := ParseAlgorithm(f)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Detect tells the algorithm that produced sum from its length. It does not
// check that sum is hexadecimal.
func Detect(sum string) (Algorithm, bool) {
	switch len(sum) {
	case 40:
		return SHA1, true
	case 64:
		return SHA256, true
	case 96:
		return SHA384, true
	case 128:
		return SHA512, true
	}
	return 0, false
}

// Sum returns the lower-case hexadecimal checksum of call+query+secret with
// alg. query must be the exact query string that is sent, without the
// checksum parameter. An invalid algorithm yields the empty string.
func Sum(alg Algorithm, call, query, secret string) string {
	if !alg.Valid() {
		return ""
	}
	var buf [128]byte
	return string(AppendSum(buf[:0], alg, call, query, secret))
}

// AppendSum appends the checksum of call+query+secret to dst and returns the
// extended slice. It lets a caller build a signed URL without an extra
// allocation. An invalid algorithm appends nothing.
func AppendSum(dst []byte, alg Algorithm, call, query, secret string) []byte {
	var digest [sha512.Size]byte
	d := digestInto(digest[:0], alg, call, query, secret)
	if d == nil {
		return dst
	}
	return appendHex(dst, d)
}

// AppendSumOf appends the hexadecimal checksum of data, which the caller has
// already laid out as call + query + secret, to dst. It is the allocation-free
// core of AppendSum for signers that build the hashed bytes themselves.
func AppendSumOf(dst []byte, alg Algorithm, data []byte) []byte {
	switch alg {
	case SHA1:
		s := sha1.Sum(data)
		return appendHex(dst, s[:])
	case SHA256:
		s := sha256.Sum256(data)
		return appendHex(dst, s[:])
	case SHA384:
		s := sha512.Sum384(data)
		return appendHex(dst, s[:])
	case SHA512:
		s := sha512.Sum512(data)
		return appendHex(dst, s[:])
	}
	return dst
}

// appendHex is hex.AppendEncode without its generic growth path.
func appendHex(dst, src []byte) []byte {
	n := len(dst)
	dst = slices.Grow(dst, 2*len(src))[:n+2*len(src)]
	out := dst[n:]
	for i, c := range src {
		binary.LittleEndian.PutUint16(out[2*i:], hexPairs[c])
	}
	return dst
}

// hexPairs holds the two lower-case hex digits of every byte, in the order
// they are written.
var hexPairs = func() (t [256]uint16) {
	const digits = "0123456789abcdef"
	for i := range t {
		t[i] = uint16(digits[i>>4]) | uint16(digits[i&15])<<8
	}
	return t
}()

// digestInto computes the raw digest without going through hash.Hash when a
// one-shot function exists, so the common path does not allocate.
func digestInto(dst []byte, alg Algorithm, parts ...string) []byte {
	// The one-shot functions need a single buffer; small inputs use the
	// stack, larger ones stream through the hash.
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	if total <= 512 {
		var stack [512]byte
		b := stack[:0]
		for _, p := range parts {
			b = append(b, p...)
		}
		switch alg {
		case SHA1:
			s := sha1.Sum(b)
			return append(dst, s[:]...)
		case SHA256:
			s := sha256.Sum256(b)
			return append(dst, s[:]...)
		case SHA384:
			s := sha512.Sum384(b)
			return append(dst, s[:]...)
		case SHA512:
			s := sha512.Sum512(b)
			return append(dst, s[:]...)
		}
		return nil
	}
	if !alg.Valid() {
		return nil
	}
	h := alg.New()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	return append(dst, h.Sum(nil)...)
}
