package bench

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// writeCorpus writes every scenario's objects under dir, at the paths
// Scenario.Paths names. The content is pseudo-random (nothing compresses
// or deduplicates it) and deterministic: the same path always gets the
// same bytes, so two runs serve identical files.
func writeCorpus(dir string, scenarios []Scenario) error {
	for _, s := range scenarios {
		if err := os.MkdirAll(filepath.Join(dir, s.Name), 0o755); err != nil {
			return fmt.Errorf("bench: corpus: %w", err)
		}
		var buf []byte
		for _, f := range s.Files() {
			if int64(cap(buf)) < f.size {
				buf = make([]byte, f.size)
			}
			buf = buf[:f.size]
			fillPseudoRandom(buf, f.path)
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f.path)), 0o755); err != nil {
				return fmt.Errorf("bench: corpus: %w", err)
			}
			if err := os.WriteFile(filepath.Join(dir, f.path), buf, 0o644); err != nil {
				return fmt.Errorf("bench: corpus: %w", err)
			}
		}
	}
	return nil
}

// fillPseudoRandom fills buf with a stream seeded by name.
func fillPseudoRandom(buf []byte, name string) {
	h := fnv.New64a()
	h.Write([]byte(name))
	var seed [32]byte
	s := h.Sum64()
	for i := range seed {
		seed[i] = byte(s >> (8 * (i % 8)))
	}
	seed[31] ^= 0x5a // distinct from any all-zero seed
	_, _ = rand.NewChaCha8(seed).Read(buf)
}
