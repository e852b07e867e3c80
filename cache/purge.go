package cache

import (
	"strings"

	"github.com/vodedge/vodedge/cache/disktier"
)

// PurgeResult says what a purge removed.
type PurgeResult struct {
	Objects int `json:"objects"` // distinct objects with at least one slice removed
	Slices  int `json:"slices"`  // slices removed from the RAM and disk tiers
}

// PurgeKey removes every cached slice of the object at key from both
// tiers, and keeps fetches in flight for it from storing what they fetch.
func (s *Server) PurgeKey(key string) (PurgeResult, error) {
	return s.purge(func(k string) bool { return disktier.ObjectKey(k) == key }, key+"\x00", key)
}

// PurgePrefix removes every cached slice of every object whose key starts
// with prefix (a title: "/titles/t42/").
func (s *Server) PurgePrefix(prefix string) (PurgeResult, error) {
	return s.purge(func(k string) bool { return strings.HasPrefix(k, prefix) }, prefix, "")
}

// purge removes matching slices. diskPrefix selects the disk slices to
// scan (and match filters them); exact is a key to delete on disk too.
func (s *Server) purge(match func(sliceKey string) bool, diskPrefix, exact string) (PurgeResult, error) {
	objects := map[string]bool{}
	slices := 0
	s.flights.mu.Lock()
	for k, f := range s.flights.m {
		if match(k) {
			f.purged.Store(true)
		}
	}
	s.flights.mu.Unlock()
	var ramKeys []string
	s.ram.Each(func(sl *slice) bool {
		if match(sl.key) {
			ramKeys = append(ramKeys, sl.key)
		}
		return true
	})
	for _, k := range ramKeys {
		s.ram.Del(k)
		objects[disktier.ObjectKey(k)] = true
		slices++
	}
	if s.disk != nil {
		n, err := s.purgeDisk(match, diskPrefix, exact, objects)
		slices += n
		if err != nil {
			return PurgeResult{len(objects), slices}, err
		}
	}
	return PurgeResult{len(objects), slices}, nil
}

func (s *Server) purgeDisk(match func(string) bool, prefix, exact string, objects map[string]bool) (int, error) {
	n := 0
	if exact != "" && s.disk.Delete(exact) {
		objects[exact] = true
		n++
	}
	removed, err := s.disk.PurgePrefix(prefix)
	for _, k := range removed {
		if match(k) {
			objects[disktier.ObjectKey(k)] = true
			n++
		}
	}
	return n, err
}
