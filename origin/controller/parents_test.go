package controller

import (
	"os"
	"strings"
	"testing"
)

func TestParseSitesParents(t *testing.T) {
	const base = "sites:\n  - name: ix\n    nodes: [{name: ix-1, weight: 1, capacity: 1GiB}]\n"
	sites, err := ParseSites([]byte(base + "  - name: isp-a\n    parents: [ix]\n  - name: isp-b\n    parents: [isp-a, ix]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := sites[2].Parents; len(got) != 2 || got[0] != "isp-a" || got[1] != "ix" {
		t.Fatalf("isp-b's parents: %v", got)
	}
	for _, tc := range []struct{ name, extra, want string }{
		{"unknown parent", "  - name: isp\n    parents: [nowhere]\n", `site isp: parent "nowhere" is not a site`},
		{"itself", "  - name: isp\n    parents: [isp]\n", "site isp lists itself"},
		{"twice", "  - name: isp\n    parents: [ix, ix]\n", "site isp lists parent ix twice"},
		{"a name a grant cannot carry", "  - name: isp a\n    parents: [ix]\n", "site isp a cannot have parents"},
		{"cycle", "  - name: a\n    parents: [b]\n  - name: b\n    parents: [c]\n  - name: c\n    parents: [a]\n", "parents form a cycle"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSites([]byte(base + tc.extra))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// The example sites file in deploy/ parses, parents and all.
func TestExampleSitesFileParses(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/config/origin-sites.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sites, err := ParseSites(raw)
	if err != nil {
		t.Fatal(err)
	}
	if last := sites[len(sites)-1]; len(last.Parents) == 0 {
		t.Fatalf("the example's last site has no parents: %+v", last)
	}
}
