package deploy

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/vodedge/vodedge/internal/testenv"
)

// TestExampleConfigsListEveryFlag: each role's example config is valid
// YAML, names only real flags, and lists every flag of `vodedge ROLE
// --help`, set or commented out, so operators see every option.
func TestExampleConfigsListEveryFlag(t *testing.T) {
	for _, role := range []string{"edge", "steer", "origin"} {
		t.Run(role, func(t *testing.T) {
			flags := roleFlags(t, role)
			raw, err := os.ReadFile("config/" + role + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			var set map[string]any
			if err := yaml.Unmarshal(raw, &set); err != nil {
				t.Fatalf("config/%s.yaml: %v", role, err)
			}
			listed := configKeys(string(raw))
			for key := range set {
				if !slices.Contains(listed, key) {
					t.Errorf("config/%s.yaml: key %q not found by the key scan", role, key)
				}
			}
			for _, key := range listed {
				if !slices.Contains(flags, key) {
					t.Errorf("config/%s.yaml names %q, which is not a flag of `vodedge %s`", role, key, role)
				}
			}
			for _, f := range flags {
				if !slices.Contains(listed, f) {
					t.Errorf("config/%s.yaml does not list --%s (add it, commented out with its default, to document it)", role, f)
				}
			}
		})
	}
}

// roleFlags are the flag names `vodedge ROLE --help` lists, with the
// global --log-level and --log-format, without --help and --config.
func roleFlags(t *testing.T, role string) []string {
	t.Helper()
	out, err := exec.Command(testenv.Vodedge(t), role, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("vodedge %s --help: %v\n%s", role, err, out)
	}
	var flags []string
	for _, m := range regexp.MustCompile(`(?m)^\s+(?:-\w, )?--([a-z0-9-]+)`).FindAllStringSubmatch(string(out), -1) {
		if m[1] != "help" && m[1] != "config" && !slices.Contains(flags, m[1]) {
			flags = append(flags, m[1])
		}
	}
	return flags
}

// configKeys are the top-level keys of a config, commented out or not.
func configKeys(text string) []string {
	var keys []string
	for _, m := range regexp.MustCompile(`(?m)^(?:# ?)?([a-z][a-z0-9-]*):(?:\s|$)`).FindAllStringSubmatch(text, -1) {
		if !slices.Contains(keys, m[1]) {
			keys = append(keys, m[1])
		}
	}
	return keys
}
