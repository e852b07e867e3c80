package controller

import (
	"fmt"
	"slices"

	"github.com/vodedge/vodedge/internal/tiergrant"

	"github.com/vodedge/vodedge/origin/fillplan"
)

// validParents checks the sites' parents: each names a defined site,
// not the site itself, at most once, and following parents never comes
// back to where it started (a cycle would have sites fill each other,
// with the origin never asked). Errors name the site.
func validParents(sites []fillplan.Site) error {
	byName := map[string][]string{}
	for _, s := range sites {
		byName[s.Name] = s.Parents
	}
	for _, s := range sites {
		if len(s.Parents) > 16 {
			return fmt.Errorf("site %s lists %d parents, at most 16", s.Name, len(s.Parents))
		}
		if err := tiergrant.CheckName(s.Name); err != nil && len(s.Parents) > 0 {
			return fmt.Errorf("site %s cannot have parents: %w", s.Name, err)
		}
		for i, p := range s.Parents {
			switch _, ok := byName[p]; {
			case p == s.Name:
				return fmt.Errorf("site %s lists itself as a parent", s.Name)
			case !ok:
				return fmt.Errorf("site %s: parent %q is not a site of the file", s.Name, p)
			case slices.Contains(s.Parents[:i], p):
				return fmt.Errorf("site %s lists parent %s twice", s.Name, p)
			case tiergrant.CheckName(p) != nil:
				return fmt.Errorf("site %s: parent %q cannot be named in a grant: %v", s.Name, p, tiergrant.CheckName(p))
			}
		}
		if cycle := parentCycle(byName, s.Name, nil); cycle != nil {
			return fmt.Errorf("site %s: parents form a cycle: %v", s.Name, cycle)
		}
	}
	return nil
}

// parentCycle returns a path of parents from site back to a site on
// path, nil when there is none. Sites files are small: plain depth-first.
func parentCycle(parents map[string][]string, site string, path []string) []string {
	if slices.Contains(path, site) {
		return append(path, site)
	}
	path = append(path, site)
	for _, p := range parents[site] {
		if c := parentCycle(parents, p, slices.Clone(path)); c != nil {
			return c
		}
	}
	return nil
}
