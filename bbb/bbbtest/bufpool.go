package bbbtest

import "sync"

// respBuf is a reusable buffer for the hot read paths.
type respBuf struct{ b []byte }

var bufPool = sync.Pool{New: func() any { return &respBuf{b: make([]byte, 0, 4096)} }}

func getBuf() *respBuf { return bufPool.Get().(*respBuf) }

func putBuf(b *respBuf) {
	if cap(b.b) > 1<<20 {
		return
	}
	b.b = b.b[:0]
	bufPool.Put(b)
}
