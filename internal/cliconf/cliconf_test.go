package cliconf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func flags() (*pflag.FlagSet, *string, *int, *time.Duration, *[]string) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	listen := fs.String("listen", ":8080", "")
	n := fs.Int("workers", 1, "")
	d := fs.Duration("timeout", time.Second, "")
	join := fs.StringSlice("join", nil, "")
	fs.String("config", "", "")
	return fs, listen, n, d, join
}

func write(t *testing.T, body string) string {
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFileFillsUnsetFlagsAndCommandLineWins(t *testing.T) {
	fs, listen, n, d, join := flags()
	if err := fs.Parse([]string{"--workers=7"}); err != nil {
		t.Fatal(err)
	}
	p := write(t, "listen: 127.0.0.1:9\nworkers: 3\ntimeout: 5s\njoin: [a:1, b:2]\n")
	if err := Apply(fs, p); err != nil {
		t.Fatal(err)
	}
	if *listen != "127.0.0.1:9" || *n != 7 || *d != 5*time.Second || strings.Join(*join, " ") != "a:1 b:2" {
		t.Fatalf("listen=%q workers=%d timeout=%v join=%v", *listen, *n, *d, *join)
	}
}

func TestErrorsNameTheProblem(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"lisen: x\n", `unknown setting "lisen"`},
		{"workers: many\n", `setting "workers"`},
		{"listen: {a: 1}\n", "mapping"},
		{"- just\n- a list\n", "not a YAML mapping"},
		{"config: other.yaml\n", `unknown setting "config"`},
	} {
		fs, _, _, _, _ := flags()
		err := Apply(fs, write(t, tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want it to mention %q", tc.body, err, tc.want)
		}
	}
	fs, _, _, _, _ := flags()
	if err := Apply(fs, "/nonexistent/c.yaml"); err == nil {
		t.Error("missing file accepted")
	}
}
