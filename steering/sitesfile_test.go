package steering

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/steering/cluster"
)

func TestSitesFile(t *testing.T) {
	sf, err := LoadSitesFile("testdata/sites/sites.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := ServiceConfig{Engine: DefaultConfig()}
	if err := sf.Apply(&cfg, "steer-1", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	e := cfg.Engine
	if len(e.Sites) != 2 || e.Sites[0] != (SiteConfig{Name: "ams", Owners: 2, LoadThreshold: 0.8}) || strings.Join(e.DefaultOrder, ",") != "fra,ams" {
		t.Errorf("engine: %+v", e)
	}
	if w := cfg.Watch["ams"]; w.Name != "steer-1" || len(w.Key) != 32 || len(w.Join) != 2 || w.GossipAddr != "127.0.0.1:0" || w.AdvertiseHost != "127.0.0.1" {
		t.Errorf("ams watcher: %+v", w)
	}
	if w := cfg.Watch["fra"]; !w.Insecure || w.GossipAddr != ":0" {
		t.Errorf("fra watcher: %+v", w)
	}
	if p := cfg.PrefixFiles["ams"]; p != filepath.Join("testdata", "sites", "ams.cidr") {
		t.Errorf("prefix file %q", p)
	}
	b := cfg.BGP
	if b == nil || b.ASN != 65001 || b.HoldTime != 30*time.Second || len(b.Neighbors) != 2 || b.Neighbors[1].Password != "s3cret" || !b.Neighbors[1].Passive {
		t.Errorf("bgp: %+v", b)
	}
	s, err := New(cfg, Deps{})
	if err != nil {
		t.Fatalf("the example does not make a service: %v", err)
	}
	if v4, _ := s.Table().Count(); v4 != 1 {
		t.Errorf("%d static prefixes", v4)
	}
}

func TestSitesFileErrors(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"unknown key":   "sites:\n  - name: ams\n    gossip: {join: [a:1], insecure: true}\n    owners: 2\n",
		"no site":       "default_order: [ams]\n",
		"no key":        "sites:\n  - name: ams\n    gossip: {join: [a:1]}\n",
		"no join":       "sites:\n  - name: ams\n    gossip: {insecure: true}\n",
		"missing key":   "sites:\n  - name: ams\n    gossip: {join: [a:1], key_file: nope.key}\n",
		"bad hold time": "sites:\n  - name: ams\n    gossip: {join: [a:1], insecure: true}\nbgp: {asn: 1, router_id: 1.2.3.4, hold_time: soon}\n",
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".yaml")
		os.WriteFile(path, []byte(body), 0o644)
		sf, err := LoadSitesFile(path)
		if err == nil {
			err = sf.Apply(&ServiceConfig{Engine: DefaultConfig()}, "steer", "")
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	cfg := ServiceConfig{Engine: DefaultConfig()}
	sf, _ := LoadSitesFile("testdata/sites/sites.yaml")
	sf.BGP.Neighbors[0].Site = "lon"
	sf.Apply(&cfg, "steer", "")
	if _, err := New(cfg, Deps{}); err == nil || !strings.Contains(err.Error(), `"lon", which is not a site`) {
		t.Errorf("a BGP neighbor for an unknown site: %v", err)
	}
}

func TestReloadReplacesStaticPrefixes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ams.cidr")
	os.WriteFile(path, []byte("10.1.0.0/16\n10.9.0.0/16\n"), 0o644)
	cfg := ServiceConfig{Engine: DefaultConfig(), PrefixFiles: map[string]string{"ams": path}}
	cfg.Engine.Sites = []SiteConfig{{Name: "ams"}}
	cfg.Watch = map[string]cluster.Config{"ams": {Name: "s", GossipAddr: "127.0.0.1:0", Insecure: true, Owners: 1, Timing: cluster.FastLANTiming(),
		LoadInterval: time.Second, LoadStep: 0.1, SuspectFor: time.Second, ForgetAfter: time.Hour, RejoinInterval: time.Second, PublishTimeout: time.Second}}
	s, err := New(cfg, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte("10.1.0.0/16\n10.2.0.0/16\n"), 0o644)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range s.Table().Routes() {
		got = append(got, r.Prefix.String())
	}
	if strings.Join(got, " ") != "10.1.0.0/16 10.2.0.0/16" {
		t.Errorf("after reload: %v", got)
	}
	os.WriteFile(path, []byte("10.1.0.0/16\nnonsense\n"), 0o644)
	if err := s.Reload(); err == nil || len(s.Table().Routes()) != 2 {
		t.Errorf("a broken file: %v, routes %v", err, s.Table().Routes())
	}
}
