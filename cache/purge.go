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
	s.vary.forget(key)
	return s.purge(func(k string) bool {
		o := cachekey.ObjectKey(k)
		return o == key || strings.HasPrefix(o, variants)
	}, []string{key + "\x00", variants}, key)
}

// PurgePrefix removes every cached slice of every object whose key starts
// with prefix (a title: "/titles/t42/").
func (s *Server) PurgePrefix(prefix string) (PurgeResult, error) {
	return s.purge(func(k string) bool { return strings.HasPrefix(k, prefix) }, []string{prefix}, "")
}

// purge removes matching slices. diskPrefixes select the disk slices to
// scan (and match filters them); exact is a key to delete on disk too.
// The objects' current versions are superseded, so that a response
// already under way finishes while new requests miss.
func (s *Server) purge(match func(sliceKey string) bool, diskPrefixes []string, exact string) (PurgeResult, error) {
	objects := map[string]bool{}
	slices := 0
	s.markPurged(match)
	var ramKeys []string
	s.ram.Each(func(sl *slice) bool {
		if match(sl.key) {
			ramKeys = append(ramKeys, sl.key)
		}
		return true
	})
	for _, k := range ramKeys {
		s.ram.Del(k)
		objects[cachekey.ObjectKey(k)] = true
		slices++
	}
	if s.disk != nil {
		n, err := s.purgeDisk(match, diskPrefixes, exact, objects)
		slices += n
		if err != nil {
			return PurgeResult{len(objects), slices}, err
		}
	}
	for k := range objects {
		if m := s.versions.get(k); m != nil {
			m.supersede()
		}
	}
	return PurgeResult{len(objects), slices}, nil
}

func (s *Server) purgeDisk(match func(string) bool, prefixes []string, exact string, objects map[string]bool) (int, error) {
	n := 0
	if exact != "" && s.disk.Delete(exact) {
		objects[exact] = true
		n++
	}
	for _, p := range prefixes {
		removed, err := s.disk.PurgePrefix(p)
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
