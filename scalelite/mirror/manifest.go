package mirror

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"
)

// ManifestVersion is the version of the manifest format this package writes
// and reads.
const ManifestVersion = 1

// DefaultMaxManifestSize bounds a manifest read from an export endpoint.
const DefaultMaxManifestSize = 256 << 20

// Manifest lists the recordings of a tree: for each recording its formats,
// and for each format its files with size, modification time and SHA-256.
// Recordings are sorted by ID, formats by name and files by path.
//
// Skipped lists the recordings the tree holds but the endpoint left out,
// with the reason (a symbolic link or special file inside, a file with more
// than one hard link, a file that changed while it was hashed). Sync
// reports them as failed and never deletes them from the destination.
type Manifest struct {
	Version    int         `json:"version"`
	Recordings []Recording `json:"recordings"`
	Skipped    []Skipped   `json:"skipped,omitempty"`
}

// MaxSkippedReason bounds the reason of a Skipped entry, in bytes.
const MaxSkippedReason = 512

// Skipped is a recording an export endpoint left out of its manifest.
type Skipped struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// Recording is one recording with its published formats.
type Recording struct {
	ID      string   `json:"id"`
	Formats []Format `json:"formats"`
}

// Format is one playback format directory, <format>/<recordID>.
type Format struct {
	Name  string `json:"name"`
	Files []File `json:"files"`
}

// File is a regular file inside a format directory. Path is slash-separated
// and relative to the format directory. SHA256 is lower-case hex; a Source
// on local disk may leave it empty when it has not been computed.
type File struct {
	Path    string    `json:"path"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
	SHA256  string    `json:"sha256,omitempty"`
}

// Size returns the total size of the recording's files.
func (r *Recording) Size() int64 {
	var n int64
	for _, f := range r.Formats {
		for _, x := range f.Files {
			n += x.Size
		}
	}
	return n
}

// Format returns the named format, or nil.
func (r *Recording) Format(name string) *Format {
	for i := range r.Formats {
		if r.Formats[i].Name == name {
			return &r.Formats[i]
		}
	}
	return nil
}

// Recording returns the recording with the given ID, or nil.
func (m *Manifest) Recording(id string) *Recording {
	i := sort.Search(len(m.Recordings), func(i int) bool { return m.Recordings[i].ID >= id })
	if i < len(m.Recordings) && m.Recordings[i].ID == id {
		return &m.Recordings[i]
	}
	return nil
}

// Encode writes the manifest as JSON.
func (m *Manifest) Encode(w io.Writer) error {
	return json.NewEncoder(w).Encode(m)
}

// DecodeManifest reads a JSON manifest of at most limit bytes (0 means
// DefaultMaxManifestSize) and validates it: version, record IDs, format
// names, relative paths, sizes and hashes, sorted and without duplicates.
// Anything else is a typed error (*UnsafeError for paths); it never panics.
func DecodeManifest(r io.Reader, limit int64) (*Manifest, error) {
	if limit <= 0 {
		limit = DefaultMaxManifestSize
	}
	lr := &io.LimitedReader{R: r, N: limit + 1}
	var m Manifest
	dec := json.NewDecoder(lr)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		if lr.N <= 0 {
			return nil, fmt.Errorf("mirror: manifest larger than %d bytes: %w", limit, ErrTooLarge)
		}
		return nil, fmt.Errorf("mirror: decode manifest: %w", err)
	}
	if lr.N <= 0 {
		return nil, fmt.Errorf("mirror: manifest larger than %d bytes: %w", limit, ErrTooLarge)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("mirror: decode manifest: trailing data")
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks the invariants DecodeManifest enforces.
func (m *Manifest) Validate() error {
	if m.Version != ManifestVersion {
		return fmt.Errorf("mirror: manifest version %d, want %d", m.Version, ManifestVersion)
	}
	for i, sk := range m.Skipped {
		if !ValidRecordID(sk.ID) {
			return &UnsafeError{Name: sk.ID, Reason: "invalid record ID"}
		}
		if i > 0 && m.Skipped[i-1].ID >= sk.ID {
			return fmt.Errorf("mirror: manifest: skipped recordings not sorted or duplicated at %q", sk.ID)
		}
		if len(sk.Reason) > MaxSkippedReason {
			return fmt.Errorf("mirror: manifest: reason for skipping %s longer than %d bytes", sk.ID, MaxSkippedReason)
		}
	}
	for i := range m.Recordings {
		r := &m.Recordings[i]
		if !ValidRecordID(r.ID) {
			return &UnsafeError{Name: r.ID, Reason: "invalid record ID"}
		}
		if i > 0 && m.Recordings[i-1].ID >= r.ID {
			return fmt.Errorf("mirror: manifest: recordings not sorted or duplicated at %q", r.ID)
		}
		for j := range r.Formats {
			f := &r.Formats[j]
			if !ValidFormat(f.Name) {
				return &UnsafeError{Name: f.Name, Reason: "invalid format name"}
			}
			if j > 0 && r.Formats[j-1].Name >= f.Name {
				return fmt.Errorf("mirror: manifest: formats of %s not sorted or duplicated", r.ID)
			}
			for k := range f.Files {
				x := &f.Files[k]
				if err := checkRelPath(x.Path); err != nil {
					return err
				}
				if k > 0 && f.Files[k-1].Path >= x.Path {
					return fmt.Errorf("mirror: manifest: files of %s/%s not sorted or duplicated", f.Name, r.ID)
				}
				if x.Size < 0 {
					return fmt.Errorf("mirror: manifest: negative size for %s/%s/%s", f.Name, r.ID, x.Path)
				}
				if x.SHA256 != "" {
					if len(x.SHA256) != 64 || !isLowerHex(x.SHA256) {
						return fmt.Errorf("mirror: manifest: malformed sha256 for %s/%s/%s", f.Name, r.ID, x.Path)
					}
				}
			}
		}
	}
	return nil
}

func isLowerHex(s string) bool {
	if _, err := hex.DecodeString(s); err != nil {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'F' {
			return false
		}
	}
	return true
}
