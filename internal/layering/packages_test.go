package layering

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// module is the module path; package paths below are relative to it.
const module = "github.com/vodedge/vodedge"

// pkg is one package of the module as go list sees it, with module
// imports only, relative to the module root.
type pkg struct {
	Path        string
	Dir         string
	GoFiles     []string
	Imports     []string
	TestImports []string // of its _test.go files, both packages
}

var listed struct {
	once sync.Once
	pkgs []pkg
	err  error
}

// modulePackages lists the module's packages once per test binary.
func modulePackages(t *testing.T) []pkg {
	t.Helper()
	listed.once.Do(func() { listed.pkgs, listed.err = list() })
	if listed.err != nil {
		t.Fatalf("go list: %v", listed.err)
	}
	return listed.pkgs
}

func list() ([]pkg, error) {
	cmd := exec.Command("go", "list", "-json", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, &listError{err, stderr.String()}
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var raw struct {
			ImportPath, Dir                    string
			GoFiles                            []string
			Imports, TestImports, XTestImports []string
		}
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		pkgs = append(pkgs, pkg{
			Path: rel(raw.ImportPath), Dir: raw.Dir, GoFiles: raw.GoFiles, Imports: moduleOnly(raw.Imports),
			TestImports: moduleOnly(append(raw.TestImports, raw.XTestImports...)),
		})
	}
	return pkgs, nil
}

type listError struct {
	err    error
	stderr string
}

func (e *listError) Error() string { return e.err.Error() + ": " + strings.TrimSpace(e.stderr) }

func rel(path string) string { return strings.TrimPrefix(strings.TrimPrefix(path, module), "/") }

// moduleOnly keeps the module's own packages, relative to its root.
func moduleOnly(paths []string) []string {
	var out []string
	for _, p := range paths {
		if strings.HasPrefix(p, module+"/") {
			out = append(out, rel(p))
		}
	}
	return out
}
