package cluster

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestParseBitRate(t *testing.T) {
	for in, want := range map[string]uint64{
		"10Gbit": 10e9, "10gbit/s": 10e9, "400Mbit": 400e6, "1.5G": 1.5e9, "2.5Gbps": 2.5e9,
		"100k": 100e3, "1000": 1000, " 3 Tbit ": 3e12, "0": 0, "1e9": 1e9, "64kbit/s": 64e3,
	} {
		if got, err := ParseBitRate(in); err != nil || got != want {
			t.Errorf("ParseBitRate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "fast", "10GB", "10MiB", "-1G", "+5", "inf", "NaN", "0x10", "1e30", "G", "10 G bit"} {
		if got, err := ParseBitRate(in); err == nil {
			t.Errorf("ParseBitRate(%q) = %d, want an error", in, got)
		}
	}
	for bps, want := range map[uint64]string{10e9: "10Gbit/s", 1_500_000: "1.5Mbit/s", 999: "999bit/s", 64e3: "64kbit/s"} {
		if got := FormatBitRate(bps); got != want {
			t.Errorf("FormatBitRate(%d) = %q, want %q", bps, got, want)
		}
	}
}

func FuzzParseBitRate(f *testing.F) {
	for _, s := range []string{"10Gbit", "1.5G", "400Mbit/s", "1e9", "-1", "0x1p3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseBitRate(s)
		if err != nil {
			return
		}
		if strings.ContainsAny(s, "-+") {
			t.Fatalf("%q accepted as %d", s, v)
		}
	})
}

func TestParseKey(t *testing.T) {
	for _, in := range []string{
		"MDEyMzQ1Njc4OWFiY2RlZg==",                         // 16 bytes
		"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3\n",               // 24
		"  MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n", // 32
	} {
		if k, err := ParseKey([]byte(in)); err != nil || !validKeyLen(len(k)) {
			t.Errorf("%q: %d bytes, %v", in, len(k), err)
		}
	}
	for in, want := range map[string]string{
		"c2hvcnQ=":             "5 bytes",
		"not base64 at all!!!": "not base64",
		"":                     "0 bytes",
	} {
		if _, err := ParseKey([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error saying %q", in, err, want)
		}
	}
	p := filepath.Join(t.TempDir(), "key")
	os.WriteFile(p, []byte("MDEyMzQ1Njc4OWFiY2RlZg==\n"), 0o600)
	if k, err := LoadKey(p); err != nil || string(k) != "0123456789abcdef" {
		t.Fatalf("LoadKey: %q %v", k, err)
	}
	if _, err := LoadKey(p + ".missing"); err == nil {
		t.Fatal("missing key file accepted")
	}
}

func TestMemberlistLogLevels(t *testing.T) {
	var buf strings.Builder
	var closing atomic.Bool
	w := &logWriter{log: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), closing: &closing}
	for _, line := range []string{
		"[DEBUG] memberlist: Stream connection from=x\n",
		"[WARN] memberlist: Refuting a suspect message (from: b)\n",
		"[ERR] memberlist: Failed to send UDP ping\n",
		"no prefix at all\n",
	} {
		w.Write([]byte(line))
	}
	closing.Store(true)
	w.Write([]byte("[ERR] memberlist: use of closed network connection\n"))
	got := buf.String()
	for _, want := range []string{
		`level=DEBUG msg="memberlist: Stream connection from=x"`,
		`level=WARN msg="memberlist: Refuting a suspect message (from: b)"`,
		`level=ERROR msg="memberlist: Failed to send UDP ping"`,
		`level=INFO msg="memberlist: no prefix at all"`,
		`level=DEBUG msg="memberlist: use of closed network connection"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %s:\n%s", want, got)
		}
	}
}
