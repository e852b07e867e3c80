package manifest

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"io"
)

// IndexFunc returns the files of the index named hash, verified.
type IndexFunc func(hash string) ([]File, error)

// Open verifies a full, self-contained document (Sign's: indexes inline)
// and returns it as a manifest of files.
func Open(data []byte, pub ed25519.PublicKey) (*Manifest, error) {
	return Expand(bytes.NewReader(data), pub, nil)
}

// Expand verifies a full document and returns it as a manifest of files,
// in priority order, reading indexes inline or through index. It holds
// the whole manifest in memory: for small manifests, tests and tools; a
// node applies a manifest with Receive and Saved instead.
func Expand(r io.Reader, pub ed25519.PublicKey, index IndexFunc) (*Manifest, error) {
	br, err := plain(r)
	if err != nil {
		return nil, err
	}
	first, err := readLine(br, maxHeaderBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: header line: %v", ErrMalformed, err)
	}
	h, err := openHeader(first, pub)
	if err != nil {
		return nil, err
	}
	if h.Base != 0 {
		return nil, fmt.Errorf("%w: a delta (against version %d) cannot be read alone", ErrBase, h.Base)
	}
	m := &merger{in: br, out: bufio.NewWriter(io.Discard), h: h, body: sha256.New(), result: sha256.New()}
	groups := make([]*Group, 0, h.Groups)
	for range h.Groups {
		line, g, err := m.next(false)
		if err != nil {
			return nil, err
		}
		m.emit(line)
		groups = append(groups, g)
	}
	if err := m.check(ErrSignature); err != nil {
		return nil, err
	}
	inline := map[string][]File{}
	err = m.inline(func(hash string, data []byte) error {
		files, err := VerifyIndex(data, hash)
		inline[hash] = files
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &Manifest{Version: h.Version, Site: h.Site, Created: h.Created}
	for _, g := range groups {
		files, ok := inline[g.Index]
		if !ok {
			if index == nil {
				return nil, fmt.Errorf("%w: index %s of %s is not in the document", ErrIndex, g.Index, g.Prefix)
			}
			if files, err = index(g.Index); err != nil {
				return nil, err
			}
		}
		es, err := g.Expand(files, "")
		if err != nil {
			return nil, err
		}
		out.Entries = append(out.Entries, es...)
	}
	sortByPriority(out.Entries)
	return out, out.Validate()
}
