package mirror

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

func TestHashPipeHashesChunksInOrder(t *testing.T) {
	t.Parallel()
	data := make([]byte, 5*1000+123)
	for i := range data {
		data[i] = byte(i * 7)
	}
	tests := []struct {
		name  string
		chunk int
		skip  int // every skip-th buffer is released unused (0: none)
	}{
		{"one chunk", len(data), 0},
		{"many chunks", 1000, 0},
		{"uneven chunks", 333, 0},
		{"released buffers in between", 700, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := sha256.New()
			p := startHashPipe(h, tt.chunk)
			for off, i := 0, 0; off < len(data); i++ {
				b := p.next()
				if len(b) != tt.chunk {
					t.Fatalf("buffer of %d bytes, want %d", len(b), tt.chunk)
				}
				if tt.skip > 0 && i%tt.skip == 1 {
					p.release(b)
					continue
				}
				k := copy(b, data[off:])
				p.hash(b[:k])
				off += k
			}
			p.wait()
			want := sha256.Sum256(data)
			if got := h.Sum(nil); !bytes.Equal(got, want[:]) {
				t.Fatalf("digest %x, want %x", got, want)
			}
		})
	}
}
