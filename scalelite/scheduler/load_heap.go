package scheduler

// loadHeap is a binary min-heap of servers ordered by (Load, ID); each
// server remembers its index so that it can be fixed or removed in
// O(log n).
type loadHeap struct {
	s []*memServer
}

func less(a, b *memServer) bool {
	if a.srv.Load != b.srv.Load {
		return a.srv.Load < b.srv.Load
	}
	return a.srv.ID < b.srv.ID
}

func (h *loadHeap) swap(i, j int) {
	h.s[i], h.s[j] = h.s[j], h.s[i]
	h.s[i].heapIdx = i
	h.s[j].heapIdx = j
}

func (h *loadHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !less(h.s[i], h.s[p]) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h *loadHeap) down(i int) bool {
	start := i
	n := len(h.s)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && less(h.s[r], h.s[l]) {
			c = r
		}
		if !less(h.s[c], h.s[i]) {
			break
		}
		h.swap(i, c)
		i = c
	}
	return i > start
}

func (h *loadHeap) push(ms *memServer) {
	ms.heapIdx = len(h.s)
	h.s = append(h.s, ms)
	h.up(ms.heapIdx)
}

func (h *loadHeap) remove(i int) {
	last := len(h.s) - 1
	removed := h.s[i]
	if i != last {
		h.swap(i, last)
	}
	h.s[last] = nil
	h.s = h.s[:last]
	removed.heapIdx = -1
	if i < last {
		h.fix(i)
	}
}

// fix restores the heap order after the element at i changed its load.
func (h *loadHeap) fix(i int) {
	if i < 0 {
		return
	}
	if !h.down(i) {
		h.up(i)
	}
}
