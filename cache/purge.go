package cache

import (
	"strings"

	"github.com/vodedge/vodedge/internal/cachekey"
)

// PurgeResult says what a purge removed.
type PurgeResult struct {
	Objects int `json:"objects"` // distinct objects with at least one slice removed
	Slices  int `json:"slices"`  // slices removed from the RAM and disk tiers
}

// PurgeKey removes every cached slice of the object at key, and of each
// of its variants, from both tiers, and keeps fetches in flight for it
// from storing what they fetch.
func (s *Server) PurgeKey(key string) (PurgeResult, error) {
	variants := key + variantSep
	s.tiers.vary.forget(key)
	return s.tiers.purge(func(k string) bool {
		o := cachekey.ObjectKey(k)
		return o == key || strings.HasPrefix(o, variants)
	}, []string{key + "\x00", variants}, key)
}

// PurgePrefix removes every cached slice of every object whose key starts
// with prefix (a title: "/titles/t42/").
func (s *Server) PurgePrefix(prefix string) (PurgeResult, error) {
	return s.tiers.purge(func(k string) bool { return strings.HasPrefix(k, prefix) }, []string{prefix}, "")
}

// purge removes matching slices. diskPrefixes select the disk slices to
// scan (and match filters them); exact is a key to delete on disk too.
// The objects' current versions are superseded, so that a response
// already under way finishes while new requests miss.
func (t *tiers) purge(match func(sliceKey string) bool, diskPrefixes []string, exact string) (PurgeResult, error) {
	objects := map[string]bool{}
	slices := 0
	t.fl.markPurged(match)
	var ramKeys []string
	t.ram.Each(func(sl *slice) bool {
		if match(sl.key) {
			ramKeys = append(ramKeys, sl.key)
		}
		return true
	})
	for _, k := range ramKeys {
		t.ram.Del(k)
		objects[cachekey.ObjectKey(k)] = true
		slices++
	}
	if t.disk != nil {
		n, err := t.purgeDisk(match, diskPrefixes, exact, objects)
		slices += n
		if err != nil {
			return PurgeResult{len(objects), slices}, err
		}
	}
	for k := range objects {
		if m := t.versions.get(k); m != nil {
			m.supersede()
		}
	}
	return PurgeResult{len(objects), slices}, nil
}

func (t *tiers) purgeDisk(match func(string) bool, prefixes []string, exact string, objects map[string]bool) (int, error) {
	n := 0
	if exact != "" && t.disk.Delete(exact) {
		objects[exact] = true
		n++
	}
	for _, p := range prefixes {
		removed, err := t.disk.PurgePrefix(p)
		for _, k := range removed {
			if match(k) {
				objects[cachekey.ObjectKey(k)] = true
				n++
			}
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// invalidate drops every stored version and variant of the object at
// key (after an unsafe request succeeded on it): the current version is
// superseded at once (responses under way finish), its slices leave both
// tiers.
func (t *tiers) invalidate(key string) {
	t.metrics.invalidations.Inc()
	keys := []string{key}
	t.vary.mu.RLock()
	if sp := t.vary.m[key]; sp != nil {
		for v := range sp.variants {
			keys = append(keys, v)
		}
	}
	t.vary.mu.RUnlock()
	for _, k := range keys {
		if m := t.versions.get(k); m != nil {
			m.supersede()
		}
		t.dropRAM(k)
	}
	t.vary.forget(key)
	t.fl.markPurged(func(k string) bool { return strings.HasPrefix(k, key) && (len(k) == len(key) || k[len(key)] < ' ') })
	if t.disk != nil {
		t.disk.Delete(key)
		for _, p := range []string{key + "\x00", key + variantSep} {
			if _, err := t.disk.PurgePrefix(p); err != nil {
				t.log.Warn("invalidating on disk failed", "key", key, "err", err)
			}
		}
	}
}

// dropRAM removes the slices of the object at key from the RAM tier,
// finding how many there are from slice 0.
func (t *tiers) dropRAM(key string) {
	sl, ok := t.ram.Get(key)
	if !ok {
		return
	}
	last := max(sl.meta.size-1, 0) / t.sliceBytes
	for idx := int64(0); idx <= last; idx++ {
		t.ram.Del(cachekey.SliceKey(key, idx))
	}
}
