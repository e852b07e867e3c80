package controller

import (
	"bytes"
	"errors"
	"math"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzParseSites: a sites file gives valid sites (each with nodes
// passes fillplan's validation, each without has a name) or an error;
// never a panic.
func FuzzParseSites(f *testing.F) {
	for _, s := range []string{
		"sites:\n  - name: ams\n    nodes:\n      - {name: ams-edge-01, weight: 1, capacity: 18TiB}\n      - {name: ams-edge-02, weight: 2, capacity: 4GiB}\n",
		"sites: []\n", "sites:\n  - name: a\n    nodes: [{name: n, weight: -1, capacity: 1}]\n", "sites: [{name: a, nodes: [{name: n, weight: 1, capacity: lots}]}]\n",
		"sites: [{name: a, nodes: [{name: n, weight: .nan, capacity: 1}]}]\n", "{", "sites: [{name: '', nodes: []}]\n",
		"sites: [{name: a, parents: [b]}, {name: b, parents: [a]}]\n", "sites: [{name: a}, {name: b, parents: [a]}]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		sites, err := ParseSites(raw)
		if err != nil {
			return
		}
		if err := validParents(sites); err != nil {
			t.Fatalf("parents accepted but invalid: %v", err)
		}
		for _, s := range sites {
			if err := validSite(s); err != nil || (len(s.Nodes) > 0 && s.Validate() != nil) {
				t.Fatalf("site %+v accepted but invalid: %v", s, err)
			}
			for _, n := range s.Nodes {
				if math.IsNaN(n.Weight) || math.IsInf(n.Weight, 0) {
					t.Fatalf("node %+v: weight not a number", n)
				}
			}
		}
	})
}

// FuzzParseNodeTokens: a node token file gives names and tokens of
// 16+ characters without spaces, each once, or an error.
func FuzzParseNodeTokens(f *testing.F) {
	for _, s := range []string{"# nodes\nams-1 0123456789abcdef\n\nams-2\tfedcba9876543210\n", "ams-1 short\n", "a b c\n", "a 0123456789abcdef\na 0123456789abcdeg\n", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		toks, err := ParseNodeTokens(bytes.NewReader(raw))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for name, tok := range toks {
			if name == "" || len(tok) < 16 || strings.ContainsAny(tok, " \t\n") || seen[tok] {
				t.Fatalf("accepted %q → %q", name, tok)
			}
			seen[tok] = true
		}
	})
}

// FuzzParsePopularity: the popularity API's query string gives a query
// with a limit in 1..10000 and a valid day, or a bad-request error.
func FuzzParsePopularity(f *testing.F) {
	for _, s := range []string{"site=ams&limit=5&day=2026-01-02", "limit=0", "day=2026-13-40", "title=t1&limit=99999999999999999999", "%zz"} {
		f.Add(s)
	}
	s := &Server{now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }}
	f.Fuzz(func(t *testing.T, raw string) {
		r := httptest.NewRequest("GET", "/v1/popularity/files", nil)
		r.URL.RawQuery = raw
		q, err := s.parsePopularity(r)
		if err != nil {
			if !errors.Is(err, errBadRequest) {
				t.Fatalf("unclassified %v", err)
			}
			return
		}
		if q.Limit < 1 || q.Limit > 10_000 || q.Day.IsZero() {
			t.Fatalf("accepted %+v from %q", q, raw)
		}
	})
}
