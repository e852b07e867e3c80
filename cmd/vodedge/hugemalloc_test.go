package main

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/vodedge/vodedge/internal/testenv"
)

// TestEdgeRunsWithHugeMalloc starts real edges and reads the environment
// their process ended up with: the tunable is added once, kept beside
// other tunables, left out when turned off, and added too when the
// root's flags come before the command.
func TestEdgeRunsWithHugeMalloc(t *testing.T) {
	for _, tc := range []struct {
		name, env, want, notWant string
		root                     []string
	}{
		{"default", "", "GLIBC_TUNABLES=" + hugeMallocTunable, "", nil},
		// glibc parses the variable in place (its ':' may read back as a
		// NUL), so the second tunable is looked for on its own.
		{"other tunables kept", "GLIBC_TUNABLES=glibc.malloc.arena_max=2", "GLIBC_TUNABLES=glibc.malloc.arena_max=2", "", nil},
		{"turned off", hugeMallocOff + "=1", "", "hugetlb", nil},
		{"root flags first", "", "GLIBC_TUNABLES=" + hugeMallocTunable, "", []string{"--log-level", "warn"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			listen, admin := testenv.FreeAddr(t), testenv.FreeAddr(t)
			args := append(tc.root, "edge", "--listen", listen, "--admin", admin, "--origin", "http://127.0.0.1:9",
				"--disk-bytes", "0", "--access-log", "off")
			p := startProcEnv(t, tc.env, args...)
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
