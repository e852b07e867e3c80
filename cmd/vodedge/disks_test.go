package main

import (
	"strings"
	"testing"
)

// checkDisksCommand runs vodedge disks against the edge at adminAddr,
// which has disks d0, d1 and d2 serving: it lists them, takes d1
// offline, refuses an unknown disk, and brings d1 back.
func checkDisksCommand(t *testing.T, adminAddr, tokens string) {
	t.Helper()
	disks := func(args ...string) (string, error) {
		return runBinary(t, append(append([]string{"disks"}, args...), "--admin", adminAddr, "--token-file", tokens)...)
	}
	for _, step := range []struct {
		args []string
		ok   bool
		want []string
	}{
		{nil, true, []string{"d0", "d1", "d2", "serving", "3 of 3 disks in service"}},
		{[]string{"offline", "d1"}, true, []string{"d1", "offline", "taken offline by the operator"}},
		{[]string{"list"}, true, []string{"2 of 3 disks in service"}},
		{[]string{"offline", "d7"}, false, []string{"404", "no such disk"}},
		{[]string{"online", "d0"}, false, []string{"409", "already in service"}},
		{[]string{"online", "d1"}, true, []string{"d1", "serving"}},
		{[]string{"list", "--json"}, true, []string{`"serving": 3`}},
	} {
		out, err := disks(step.args...)
		if (err == nil) != step.ok {
			t.Errorf("vodedge disks %q: %v\n%s", step.args, err, out)
		}
		for _, w := range step.want {
			if !strings.Contains(out, w) {
				t.Errorf("vodedge disks %q: no %q in\n%s", step.args, w, out)
			}
		}
	}
}
