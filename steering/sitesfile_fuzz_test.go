package steering

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseSitesFile: any sites file is refused with an error or read
// into sites that Apply turns into a configuration (or refuses); never a
// panic. Files the sites file names are not read (Apply is skipped when
// it names any), so the target depends on nothing outside its input.
func FuzzParseSitesFile(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "sites", "sites.yaml")); err == nil {
		f.Add(b)
	}
	for _, s := range []string{
		"sites:\n  - name: ams\n    gossip: {join: [\"127.0.0.1:7946\"], insecure: true}\n",
		"default_order: [a]\nsites: []\n",
		"sites:\n  - name: a\n    gossip: {insecure: true}\nbgp: {asn: 1, hold_time: x, neighbors: [{address: 1.2.3.4}]}\n",
		"sites: [{name: a, unknown: 1}]\n", "sites: {a: b}\n", "bgp:\n  communities: {\"65000:1\": a}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sf, err := ParseSitesFile(b, "/etc/vodedge/sites.yaml")
		if err != nil {
			return
		}
		if len(sf.Sites) == 0 {
			t.Fatal("a sites file without sites was accepted")
		}
		for _, s := range sf.Sites {
			if s.Gossip.KeyFile != "" || s.Prefixes != "" {
				return
			}
		}
		if sf.BGP != nil {
			for _, n := range sf.BGP.Neighbors {
				if n.PasswordFile != "" {
					return
				}
			}
		}
		var cfg ServiceConfig
		_ = sf.Apply(&cfg, "steer-fuzz", "127.0.0.1")
	})
}
