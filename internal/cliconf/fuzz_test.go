package cliconf

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/internal/bytesize"
)

// FuzzApplyYAML: any config file either sets flags (every key it holds
// names one) or fails with an error; never a panic.
func FuzzApplyYAML(f *testing.F) {
	for _, s := range []string{
		"listen: \":8080\"\nram-bytes: 4GiB\norigin: s3://videos/prod\n",
		"join: [a:1, b:2]\ndebug: true\ntimeout: 1m30s\nworkers: 4\n",
		"listen: {a: b}\n", "- a\n- b\n", "ram-bytes: lots\n", "config: x.yaml\n", "&a [*a]\n", "? [a, b]\n: c\n", "typo: 1\n", "\t", "workers: 1e99\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		fs := pflag.NewFlagSet("fuzz", pflag.ContinueOnError)
		fs.String("listen", ":8080", "")
		fs.String("origin", "", "")
		fs.String("config", "", "")
		fs.StringSlice("join", nil, "")
		fs.Bool("debug", false, "")
		fs.Duration("timeout", time.Second, "")
		fs.Int("workers", 1, "")
		var size bytesize.Size
		fs.Var(&size, "ram-bytes", "")
		if err := ApplyYAML(fs, raw, "fuzz.yaml"); err != nil {
			if !strings.HasPrefix(err.Error(), "config fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		fs.VisitAll(func(fl *pflag.Flag) {
			if fl.Name == "config" && fl.Value.String() != "" {
				t.Fatal("the config file set --config")
			}
		})
	})
}
