package mirror

import "hash"

// hashPipe hashes on its own goroutine the chunks a copy loop has just
// written, so that on a machine with spare cores the SHA-256 of one chunk
// is computed while the next is read and written. Two buffers circulate:
// the copy loop takes a free one, fills and writes it, hands it to the
// hasher, and gets it back once it is hashed. The bytes hashed are the
// very bytes written, in order.
type hashPipe struct {
	h    hash.Hash
	free chan []byte
	full chan []byte
	done chan struct{}
	bufs [2]*[]byte
}

// startHashPipe starts the hasher goroutine writing into h. Every call
// must be followed by wait, which returns the buffers to bufPool.
func startHashPipe(h hash.Hash, size int) *hashPipe {
	p := &hashPipe{h: h, free: make(chan []byte, 2), full: make(chan []byte, 2), done: make(chan struct{})}
	for i := range p.bufs {
		p.bufs[i] = bufPool.Get().(*[]byte)
		p.free <- (*p.bufs[i])[:size]
	}
	go func() {
		defer close(p.done)
		for b := range p.full {
			p.h.Write(b)
			p.free <- b[:cap(b)][:size]
		}
	}()
	return p
}

// next returns a free buffer, waiting for the hasher to release one.
func (p *hashPipe) next() []byte { return <-p.free }

// hash queues b (a buffer from next, already written) for hashing.
func (p *hashPipe) hash(b []byte) { p.full <- b }

// release gives back a buffer from next that holds nothing to hash.
func (p *hashPipe) release(b []byte) { p.free <- b }

// wait lets the hasher finish every queued chunk, then stops it. After
// wait, h holds the digest of every chunk passed to hash.
func (p *hashPipe) wait() {
	close(p.full)
	<-p.done
	for _, b := range p.bufs {
		bufPool.Put(b)
	}
}
