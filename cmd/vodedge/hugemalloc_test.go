package main

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/vodedge/vodedge/internal/testenv"
)

func TestWantsHugeMalloc(t *testing.T) {
	for args, want := range map[string]bool{
		"vodedge edge --listen :80":     true,
		"vodedge bench scale-node --x":  true,
		"vodedge bench scale":           false,
		"vodedge origin":                false,
		"vodedge":                       false,
		"vodedge steer edge":            false,
		"vodedge bench compare --pin=0": false,
	} {
		if got := wantsHugeMalloc(strings.Fields(args)); got != want {
			t.Errorf("%q: %v, want %v", args, got, want)
		}
	}
}

// TestEdgeRunsWithHugeMalloc starts real edges and reads the environment
// their process ended up with: the tunable is added once, kept beside
// other tunables, and left out when turned off.
func TestEdgeRunsWithHugeMalloc(t *testing.T) {
	for _, tc := range []struct {
		name, env, want, notWant string
	}{
		{"default", "", "GLIBC_TUNABLES=" + hugeMallocTunable, ""},
		// glibc parses the variable in place (its ':' may read back as a
		// NUL), so the second tunable is looked for on its own.
		{"other tunables kept", "GLIBC_TUNABLES=glibc.malloc.arena_max=2", "GLIBC_TUNABLES=glibc.malloc.arena_max=2", ""},
		{"turned off", hugeMallocOff + "=1", "", "hugetlb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			listen, admin := testenv.FreeAddr(t), testenv.FreeAddr(t)
			p := startProcEnv(t, tc.env, "edge", "--listen", listen, "--admin", admin, "--origin", "http://127.0.0.1:9",
				"--disk-bytes", "0", "--access-log", "off")
			p.waitReady(t, "http://"+admin+"/readyz")
			environ, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/environ")
			if err != nil {
				t.Skipf("no /proc environ: %v", err)
			}
			env := "\x00" + string(environ)
			if tc.want != "" && (!strings.Contains(env, "\x00"+tc.want) || !strings.Contains(env, hugeMallocTunable)) {
				t.Errorf("environment lacks %q or %q: %q", tc.want, hugeMallocTunable, environ)
			}
			if tc.notWant != "" && strings.Contains(env, tc.notWant) {
				t.Errorf("environment has %q: %q", tc.notWant, environ)
			}
			if strings.Count(env, "GLIBC_TUNABLES=") > 1 {
				t.Errorf("GLIBC_TUNABLES twice: %q", environ)
			}
		})
	}
}

// startProcEnv is startProc with one more environment variable (none if
// kv is empty) and GLIBC_TUNABLES cleared first.
func startProcEnv(t *testing.T, kv string, args ...string) *proc {
	t.Helper()
	env := []string{}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "GLIBC_TUNABLES=") && !strings.HasPrefix(e, hugeMallocOff+"=") {
			env = append(env, e)
		}
	}
	if kv != "" {
		env = append(env, kv)
	}
	return startProcWith(t, env, args...)
}
