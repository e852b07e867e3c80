package bench

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestVodedgeSpreadsItsDiskTier checks the edge's command line: one
// directory by default, --disk DIR:SIZE per directory with an even share
// when Disks is more than one.
func TestVodedgeSpreadsItsDiskTier(t *testing.T) {
	one := NewVodedge(VodedgeConfig{WorkDir: "/w", DiskBytes: 4 << 30}).args(1, 2)
	if i := slices.Index(one, "--disk-dir"); i < 0 || one[i+1] != "/w/disk" || slices.Contains(one, "--disk") {
		t.Errorf("one disk: %v", one)
	}
	four := NewVodedge(VodedgeConfig{WorkDir: "/w", DiskBytes: 4 << 30, Disks: 4}).args(1, 2)
	var disks []string
	for i, a := range four {
		if a == "--disk" {
			disks = append(disks, four[i+1])
		}
	}
	want := []string{"/w/disk0:1GiB", "/w/disk1:1GiB", "/w/disk2:1GiB", "/w/disk3:1GiB"}
	if !slices.Equal(disks, want) || slices.Contains(four, "--disk-dir") {
		t.Errorf("four disks: %v, want --disk %v", strings.Join(four, " "), want)
	}
}

// TestOneDiskPeerNeedsSeveralDisks: vodedge-1disk is a baseline only
// when vodedge runs several disks.
func TestOneDiskPeerNeedsSeveralDisks(t *testing.T) {
	cfg := DefaultCompareConfig()
	cfg.Peers = []string{vodedgePeer, oneDiskPeer}
	if err := cfg.validatePeers(); err == nil {
		t.Error("vodedge-1disk accepted with one disk")
	}
	cfg.Disks = 4
	if err := cfg.validatePeers(); err != nil {
		t.Errorf("vodedge-1disk with 4 disks: %v", err)
	}
}

// TestBasePeerNeedsABaseBinary: vodedge-base is measured only when a
// second binary is given, and then runs that binary under its own name.
func TestBasePeerNeedsABaseBinary(t *testing.T) {
	cfg := DefaultCompareConfig()
	cfg.Peers = []string{vodedgePeer, basePeer, "nginx-static"}
	if err := cfg.validatePeers(); err == nil {
		t.Error("vodedge-base accepted without --vodedge-base-binary")
	}
	cfg.Tools = Tools{Vodedge: "/bin/true", VodedgeBase: "false", Wrk: "/bin/true"}
	if err := cfg.validatePeers(); err != nil {
		t.Errorf("vodedge-base with a base binary: %v", err)
	}
	if err := cfg.Tools.resolve(false); err != nil || !filepath.IsAbs(cfg.Tools.VodedgeBase) {
		t.Errorf("resolve: %v, base %q (want it made absolute)", err, cfg.Tools.VodedgeBase)
	}
}
