package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/vodedge/vodedge/cache/edge"
	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/internal/freeport"
	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/urlsign"
)

// demoSite is the demo's site name.
const demoSite = "demo"

// demoFiles are the keys and configuration files the demo writes under
// its directory, as an operator would for a real site.
type demoFiles struct {
	clusterKey   string // the site's gossip key
	adminTokens  string // the edges' and steering's admin API tokens
	apiTokens    string // the controller's API tokens
	manifestKey  string // the controller's signing key
	manifestPub  string // its public key (a flag value, not a file)
	urlKeys      string // steering's and the edges' URL signing keys
	fillSites    string // the controller's --sites
	steerSites   string // steering's --sites
	steerPrefix  string // the site's client prefixes
	adminToken   string // the first admin token
	apiToken     string // the first API token
	sourceTitle  string // the generated title's path (ffmpeg)
	controllerDB string // the controller's --data
}

func writeDemoFiles(dir string) (*demoFiles, error) {
	keys := filepath.Join(dir, "keys")
	if err := os.MkdirAll(keys, 0o700); err != nil {
		return nil, err
	}
	f := &demoFiles{
		clusterKey: filepath.Join(keys, "cluster-key"), adminTokens: filepath.Join(keys, "admin-tokens"),
		apiTokens: filepath.Join(keys, "api-tokens"), manifestKey: filepath.Join(keys, "manifest.key"),
		urlKeys: filepath.Join(keys, "url-keys"), fillSites: filepath.Join(dir, "sites-fill.yaml"),
		steerSites: filepath.Join(dir, "sites-steer.yaml"), steerPrefix: filepath.Join(dir, "demo.cidr"),
		sourceTitle: filepath.Join(dir, "source", "test-pattern.mp4"), controllerDB: filepath.Join(dir, "origin"),
	}
	var err error
	if f.adminToken, err = keepOrWrite(f.adminTokens, func() string { return hex.EncodeToString(random(24)) }); err != nil {
		return nil, err
	}
	if f.apiToken, err = keepOrWrite(f.apiTokens, func() string { return hex.EncodeToString(random(24)) }); err != nil {
		return nil, err
	}
	if _, err = keepOrWrite(f.clusterKey, func() string { return base64.StdEncoding.EncodeToString(random(32)) }); err != nil {
		return nil, err
	}
	if _, err = keepOrWrite(f.urlKeys, func() string { return "k1 " + base64.StdEncoding.EncodeToString(random(32)) }); err != nil {
		return nil, err
	}
	return f, f.manifestKeys()
}

// manifestKeys makes the signing key pair once; the public key is kept
// beside it.
func (f *demoFiles) manifestKeys() error {
	pubFile := f.manifestKey + ".pub"
	pub, err := keepOrWrite(pubFile, func() string {
		priv, pub, err := manifest.GenerateKey()
		if err != nil || os.WriteFile(f.manifestKey, []byte(priv+"\n"), 0o600) != nil {
			return ""
		}
		return pub
	})
	if err == nil && pub == "" {
		err = errors.New("demo: making the manifest key failed")
	}
	f.manifestPub = pub
	return err
}

// keepOrWrite returns the first line of path, writing make() there
// first if the file does not exist (a kept --dir reuses its keys).
func keepOrWrite(path string, make func() string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
		return line, nil
	}
	v := make()
	return v, os.WriteFile(path, []byte(v+"\n"), 0o600)
}

func random(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return b
}

// writeSites writes the controller's and steering's sites files.
func (f *demoFiles) writeSites(edges []*demoEdge) error {
	var fill, join strings.Builder
	fmt.Fprintf(&fill, "# The demo's site for the controller's fill manifests (vodedge origin --sites).\nsites:\n  - name: %s\n    nodes:\n", demoSite)
	for _, e := range edges {
		fmt.Fprintf(&fill, "      - {name: %s, weight: 1, capacity: 1GiB}\n", e.name)
		if join.Len() > 0 {
			join.WriteString(", ")
		}
		fmt.Fprintf(&join, "%q", e.gossip)
	}
	steer := fmt.Sprintf(`# The demo's site for steering (vodedge steer --sites).
default_order: [%[1]s]
sites:
  - name: %[1]s
    prefixes: %[2]s
    gossip:
      join: [%[3]s]
      key_file: %[4]s
      listen: "%[5]s:0"
`, demoSite, filepath.Base(f.steerPrefix), join.String(), f.clusterKey, edges[0].host)
	prefixes := "# Clients of the demo site: this machine.\n127.0.0.0/8\n::1/128\n"
	for path, body := range map[string]string{f.fillSites: fill.String(), f.steerSites: steer, f.steerPrefix: prefixes} {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// demoFreeAddr returns host:port with a port free right now, from below
// the ephemeral range so that no outgoing connection takes it before the
// daemon binds it.
func demoFreeAddr(host string) (string, error) { return freeport.TCP(host) }

// freeUDPAndTCP returns an address whose port is free for both TCP and
// UDP (gossip uses both).
func freeUDPAndTCP(host string) (string, error) { return freeport.TCPAndUDP(host) }

// listenAddr returns want if it can be listened on, else a free port on
// its host.
func listenAddr(want string) (string, bool, error) {
	ln, err := net.Listen("tcp", want)
	if err == nil {
		addr := ln.Addr().String()
		ln.Close()
		return addr, true, nil
	}
	host, _, serr := net.SplitHostPort(want)
	if serr != nil {
		return "", false, fmt.Errorf("--listen %q: %w", want, serr)
	}
	addr, err := demoFreeAddr(host)
	return addr, false, err
}

// edgeSecrets reads the demo's key and token files into an edge's
// configuration, as `vodedge edge` reads the files its flags name, and
// turns the fill agent on with the manifest's public key.
func (f *demoFiles) edgeSecrets(cfg *edge.Config) error {
	var err error
	if cfg.AdminTokens, err = admin.LoadTokens(f.adminTokens); err != nil {
		return err
	}
	if cfg.URLs.Keys, err = urlsign.LoadKeys(f.urlKeys); err != nil {
		return err
	}
	pub, err := manifest.ParsePublicKey(f.manifestPub)
	if err != nil {
		return err
	}
	cfg.Fill = edge.DefaultFill(pub)
	cfg.Fill.Token = f.apiToken
	return nil
}
