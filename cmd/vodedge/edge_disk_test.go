package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/cliconf"
)

// diskConfig binds the disk flags, parses args and applies yaml.
func diskConfig(t *testing.T, args []string, yaml string) (*disktier.Config, error) {
	t.Helper()
	var d diskOpts
	fs := pflag.NewFlagSet("edge", pflag.ContinueOnError)
	d.bind(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if yaml != "" {
		if err := cliconf.ApplyYAML(fs, []byte(yaml), "edge.yaml"); err != nil {
			return nil, err
		}
	}
	return d.config()
}

func TestDiskFlags(t *testing.T) {
	three := []disktier.Disk{{Path: "/srv/d1", CapacityBytes: 8 << 40}, {Path: "/srv/d2"}, {Path: "/srv/d3", CapacityBytes: 512 << 20}}
	for _, tc := range []struct {
		name  string
		args  []string
		yaml  string
		want  []disktier.Disk
		dir   string
		bytes int64
	}{
		{"one-disk shorthand", []string{"--disk-dir", "/var/cache/v", "--disk-bytes", "2GiB"}, "", nil, "/var/cache/v", 2 << 30},
		{"repeated", []string{"--disk", "/srv/d1:8TiB", "--disk", "/srv/d2", "--disk", "/srv/d3:512MiB"}, "", three, "", 0},
		{"comma-separated", []string{"--disk", "/srv/d1:8TiB,/srv/d2,/srv/d3:512MiB"}, "", three, "", 0},
		{"yaml list", nil, "disk:\n  - /srv/d1:8TiB\n  - /srv/d2\n  - /srv/d3:512MiB\n", three, "", 0},
		{"command line wins", []string{"--disk", "/srv/d2"}, "disk: [/srv/x]\n", []disktier.Disk{{Path: "/srv/d2"}}, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := diskConfig(t, tc.args, tc.yaml)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cfg.Disks, tc.want) || cfg.Dir != tc.dir || cfg.CapacityBytes != tc.bytes {
				t.Errorf("disks %+v, dir %q, bytes %d", cfg.Disks, cfg.Dir, cfg.CapacityBytes)
			}
		})
	}
}

func TestBadDiskFlagsFailClearly(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--disk", "/srv/d1:lots"}, `SIZE "lots" is not a byte count`},
		{[]string{"--disk", ":8TiB"}, "no path"},
		{[]string{"--disk", "/srv/d1,"}, "no path"},
		{[]string{"--disk", "/srv/d1", "--disk-dir", "/srv/d2"}, "not both"},
		{[]string{"--disk", "/srv/d1", "--disk-bytes", "0"}, "not both"},
	} {
		_, err := diskConfig(t, tc.args, "")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error mentioning %q", tc.args, err, tc.want)
		}
	}
}

// TestBadDiskFailsTheEdgeClearly: the binary names the flag and the
// problem, for what the flag parser and what the disk tier rejects.
func TestBadDiskFailsTheEdgeClearly(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--disk", dir + "/a:nope"}, "not a byte count"},
		{[]string{"--disk", dir + "/a:1KiB", "--disk", dir + "/b"}, "--disk: disktier: disk " + dir + "/a: capacity must be at least 1 MiB"},
		{[]string{"--disk", dir + "/a", "--disk", dir + "/a"}, "listed twice"},
	} {
		args := append([]string{"edge", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--access-log", "off"}, tc.args...)
		out, err := runBinary(t, args...)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("%q: %v %q, want a failure mentioning %q", tc.args, err, out, tc.want)
		}
	}
}

func FuzzParseDiskSpec(f *testing.F) {
	for _, s := range []string{"/srv/d1", "/srv/d1:8TiB", ":1", "a:b:c", "", "/x:0", "/x:1e400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		d, err := parseDiskSpec(spec)
		if err != nil {
			return
		}
		if d.Path == "" || d.CapacityBytes < 0 {
			t.Fatalf("%q parsed as %+v", spec, d)
		}
		again, err := parseDiskSpec((&diskList{d}).String())
		if err != nil || again != d {
			if !strings.ContainsAny(d.Path, ":,") && strings.TrimSpace(d.Path) == d.Path {
				t.Fatalf("%q → %+v does not round-trip: %+v, %v", spec, d, again, err)
			}
		}
	})
}
