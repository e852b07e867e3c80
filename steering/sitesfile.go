package steering

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/vodedge/vodedge/steering/bgp"
	"github.com/vodedge/vodedge/steering/cluster"
)

// SitesFile is `vodedge steer --sites FILE`: the sites steering serves,
// how to watch each one's gossip, their static prefix files, and the BGP
// speaker. Relative paths are relative to the file. Example:
//
//	default_order: [ams, fra]
//	sites:
//	  - name: ams
//	    owners_per_file: 1          # the site's edges' --owners-per-file
//	    load_threshold: 0.9         # optional, else --load-threshold
//	    https: true                 # node URLs on the nodes' --tls-listen (or --node-scheme https)
//	    prefixes: prefixes/ams.cidr # optional static CIDR list
//	    gossip:
//	      join: [10.0.1.1:7946, 10.0.1.2:7946]
//	      key_file: keys/ams.key    # the site's cluster key (or insecure: true)
//	      listen: ":7951"           # this watcher's gossip port (default :0)
//	  - name: fra
//	    gossip: {join: [10.0.2.1:7946], key_file: keys/fra.key}
//	bgp:
//	  asn: 65001
//	  router_id: 192.0.2.10
//	  listen: ":179"
//	  communities: {"65000:100": ams, "65000:200": fra}
//	  neighbors:
//	    - {address: 192.0.2.1, asn: 65000, site: ams}
//	    - {address: 192.0.2.2, asn: 65000, passive: true, password_file: keys/rr.pw}
type SitesFile struct {
	DefaultOrder []string   `yaml:"default_order"`
	Sites        []SiteFile `yaml:"sites"`
	BGP          *BGPFile   `yaml:"bgp"`
}

// SiteFile is one site in the sites file.
type SiteFile struct {
	Name          string  `yaml:"name"`
	Owners        int     `yaml:"owners_per_file"`
	LoadThreshold float64 `yaml:"load_threshold"`
	HTTPS         bool    `yaml:"https"`
	Prefixes      string  `yaml:"prefixes"`
	Gossip        struct {
		Join     []string `yaml:"join"`
		KeyFile  string   `yaml:"key_file"`
		Insecure bool     `yaml:"insecure"`
		Listen   string   `yaml:"listen"`
	} `yaml:"gossip"`
}

// BGPFile is the sites file's bgp section.
type BGPFile struct {
	ASN          uint32            `yaml:"asn"`
	RouterID     string            `yaml:"router_id"`
	Listen       string            `yaml:"listen"`
	Communities  map[string]string `yaml:"communities"`
	ConnectRetry string            `yaml:"connect_retry"`
	HoldTime     string            `yaml:"hold_time"`
	Neighbors    []struct {
		Address      string `yaml:"address"`
		Port         int    `yaml:"port"`
		ASN          uint32 `yaml:"asn"`
		Site         string `yaml:"site"`
		Passive      bool   `yaml:"passive"`
		LocalAddress string `yaml:"local_address"`
		PasswordFile string `yaml:"password_file"`
		Multihop     bool   `yaml:"multihop"`
	} `yaml:"neighbors"`
}

// LoadSitesFile reads and checks a sites file; unknown keys are errors.
func LoadSitesFile(path string) (*SitesFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sites file: %w", err)
	}
	return ParseSitesFile(b, path)
}

// ParseSitesFile is LoadSitesFile on the file's contents; relative paths
// in it are relative to path's directory.
func ParseSitesFile(b []byte, path string) (*SitesFile, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var f SitesFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("sites file %s: %w", path, err)
	}
	if len(f.Sites) == 0 {
		return nil, fmt.Errorf("sites file %s: no site", path)
	}
	f.resolve(filepath.Dir(path))
	return &f, nil
}

// resolve makes the file's paths relative to dir.
func (f *SitesFile) resolve(dir string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	for i := range f.Sites {
		abs(&f.Sites[i].Prefixes)
		abs(&f.Sites[i].Gossip.KeyFile)
	}
	if f.BGP != nil {
		for i := range f.BGP.Neighbors {
			abs(&f.BGP.Neighbors[i].PasswordFile)
		}
	}
}

// Apply puts the file's sites into cfg: the engine's sites and default
// order, a watcher per site (named name, e.g. "steer-host", on
// advertise), the prefix files, and the BGP speaker. Key and password
// files are read here.
func (f *SitesFile) Apply(cfg *ServiceConfig, name, advertise string) error {
	cfg.Engine.DefaultOrder = f.DefaultOrder
	cfg.Engine.Sites = nil
	if cfg.Watch == nil {
		cfg.Watch = map[string]cluster.Config{}
	}
	if cfg.PrefixFiles == nil {
		cfg.PrefixFiles = map[string]string{}
	}
	var errs []error
	for _, s := range f.Sites {
		cfg.Engine.Sites = append(cfg.Engine.Sites, SiteConfig{Name: s.Name, Owners: s.Owners, LoadThreshold: s.LoadThreshold, HTTPS: s.HTTPS})
		if s.Prefixes != "" {
			cfg.PrefixFiles[s.Name] = s.Prefixes
		}
		wc, err := s.watchConfig(name, advertise)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cfg.Watch[s.Name] = wc
	}
	if f.BGP != nil {
		b, err := f.BGP.config()
		if err != nil {
			errs = append(errs, err)
		}
		cfg.BGP = b
	}
	return errors.Join(errs...)
}

func (s *SiteFile) watchConfig(name, advertise string) (cluster.Config, error) {
	wc := cluster.DefaultConfig()
	wc.Name, wc.AdvertiseHost, wc.Join, wc.Insecure = name, advertise, s.Gossip.Join, s.Gossip.Insecure
	wc.GossipAddr = ":0"
	if s.Gossip.Listen != "" {
		wc.GossipAddr = s.Gossip.Listen
	}
	switch {
	case s.Gossip.KeyFile != "" && s.Gossip.Insecure:
		return wc, fmt.Errorf("site %s: gossip key_file and insecure exclude each other", s.Name)
	case s.Gossip.KeyFile != "":
		k, err := cluster.LoadKey(s.Gossip.KeyFile)
		if err != nil {
			return wc, fmt.Errorf("site %s: %w", s.Name, err)
		}
		wc.Key = k
	case !s.Gossip.Insecure:
		return wc, fmt.Errorf("site %s: no gossip key_file (the site's --cluster-key-file), nor insecure: true", s.Name)
	}
	if len(s.Gossip.Join) == 0 {
		return wc, fmt.Errorf("site %s: no gossip join address (a node's --gossip-listen)", s.Name)
	}
	return wc, nil
}

func (b *BGPFile) config() (*bgp.Config, error) {
	c := bgp.DefaultConfig()
	c.ASN, c.RouterID, c.Listen, c.Communities = b.ASN, b.RouterID, b.Listen, b.Communities
	for _, d := range []struct {
		name string
		s    string
		dst  *time.Duration
	}{{"connect_retry", b.ConnectRetry, &c.ConnectRetry}, {"hold_time", b.HoldTime, &c.HoldTime}} {
		if d.s == "" {
			continue
		}
		v, err := time.ParseDuration(d.s)
		if err != nil {
			return nil, fmt.Errorf("bgp %s: %w", d.name, err)
		}
		*d.dst = v
	}
	for _, n := range b.Neighbors {
		nb := bgp.Neighbor{Address: n.Address, Port: n.Port, ASN: n.ASN, Site: n.Site, Passive: n.Passive, LocalAddress: n.LocalAddress, Multihop: n.Multihop}
		if n.PasswordFile != "" {
			pw, err := os.ReadFile(n.PasswordFile)
			if err != nil {
				return nil, fmt.Errorf("bgp neighbor %s: %w", n.Address, err)
			}
			nb.Password = strings.TrimSpace(string(pw))
		}
		c.Neighbors = append(c.Neighbors, nb)
	}
	return &c, nil
}
