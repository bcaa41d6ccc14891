package checksum

import (
	"crypto/sha256"
	"testing"
)

// BenchmarkVerify compares verifying a typical query with hashing the same
// bytes alone (BenchmarkVerifyBaselineSHA256).
func BenchmarkVerify(b *testing.B) {
	raw := query1 + "&checksum=" + Sum(SHA256, "create", query1, secret1)
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify("create", raw, secret1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyBaselineSHA256(b *testing.B) {
	in := []byte("create" + query1 + secret1)
	b.ReportAllocs()
	for b.Loop() {
		_ = sha256.Sum256(in)
	}
}
