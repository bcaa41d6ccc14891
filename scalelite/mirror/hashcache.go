package mirror

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// HashCache remembers the SHA-256 of files keyed by path, size and
// modification time, so that a tree that did not change is not read again.
// It is safe for concurrent use. The zero value is not usable; call
// NewHashCache or LoadHashCache.
type HashCache struct {
	mu sync.Mutex
	m  map[string]hashEntry
}

type hashEntry struct {
	Size  int64  `json:"s"`
	MTime int64  `json:"t"` // nanoseconds since the epoch
	Sum   string `json:"h"`
}

// NewHashCache returns an empty cache.
func NewHashCache() *HashCache { return &HashCache{m: make(map[string]hashEntry)} }

// LoadHashCache reads a cache written by Save. A missing file gives an empty
// cache; an unreadable or malformed one is an error.
func LoadHashCache(path string) (*HashCache, error) {
	c := NewHashCache()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mirror: hash cache: %w", err)
	}
	defer f.Close()
	if err := json.NewDecoder(f).Decode(&c.m); err != nil {
		return nil, fmt.Errorf("mirror: hash cache %s: %w", path, err)
	}
	if c.m == nil {
		c.m = make(map[string]hashEntry)
	}
	for k, e := range c.m {
		if len(e.Sum) != 64 || !isLowerHex(e.Sum) {
			delete(c.m, k)
		}
	}
	return c, nil
}

// Save writes the cache to path atomically (temporary file, then rename).
func (c *HashCache) Save(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".hashcache-*")
	if err != nil {
		return fmt.Errorf("mirror: hash cache: %w", err)
	}
	c.mu.Lock()
	err = json.NewEncoder(tmp).Encode(c.m)
	c.mu.Unlock()
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("mirror: hash cache: %w", err)
	}
	return nil
}

// Len returns the number of cached hashes.
func (c *HashCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// Get returns the cached hash of path if its size and modification time are
// unchanged.
func (c *HashCache) Get(path string, size int64, mtime time.Time) (string, bool) {
	c.mu.Lock()
	e, ok := c.m[path]
	c.mu.Unlock()
	if !ok || e.Size != size || e.MTime != mtime.UnixNano() {
		return "", false
	}
	return e.Sum, true
}

// Put records the hash of path at the given size and modification time.
func (c *HashCache) Put(path string, size int64, mtime time.Time, sum string) {
	c.mu.Lock()
	c.m[path] = hashEntry{Size: size, MTime: mtime.UnixNano(), Sum: sum}
	c.mu.Unlock()
}

// Delete forgets path.
func (c *HashCache) Delete(path string) {
	c.mu.Lock()
	delete(c.m, path)
	c.mu.Unlock()
}

// hashFile returns the SHA-256 of a file, using and filling the cache. The
// file's size and modification time must still be size and mtime after
// reading, otherwise ErrSourceChanged is returned.
func hashFile(c *HashCache, path string, size int64, mtime time.Time) (string, error) {
	if c != nil {
		if sum, ok := c.Get(path, size, mtime); ok {
			return sum, nil
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	buf := bufPool.Get().(*[]byte)
	n, err := io.CopyBuffer(h, io.LimitReader(onlyReader{f}, size+1), *buf)
	bufPool.Put(buf)
	if err != nil {
		return "", err
	}
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if n != size || fi.Size() != size || !fi.ModTime().Equal(mtime) {
		return "", fmt.Errorf("mirror: %s: %w", path, ErrSourceChanged)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if c != nil {
		c.Put(path, size, mtime, sum)
	}
	return sum, nil
}

// onlyReader hides WriterTo/ReaderFrom so io.CopyBuffer uses the buffer.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }
