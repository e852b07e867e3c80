package layering

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// pathWord finds candidate package paths in doc text: a top-level folder
// name, optionally followed by /segments.
var pathWord = regexp.MustCompile(`\b(?:cache|fill|origin|steering|bench|internal|cmd|deploy)(?:/[a-z0-9_]+)*\b`)

// TestImportsLinesAreTrue checks each package's "Imports:" paragraph
// against its imports. Commands (package main) wire every layer and are
// left out.
func TestImportsLinesAreTrue(t *testing.T) {
	pkgs := modulePackages(t)
	known := map[string]bool{}
	for _, p := range pkgs {
		known[p.Path] = true
	}
	for _, p := range pkgs {
		doc, name := packageDoc(t, p)
		if name == "main" || len(p.GoFiles) == 0 {
			continue
		}
		para, ok := importsParagraph(doc)
		if !ok {
			if len(p.Imports) > 0 {
				t.Errorf("%s: its doc comment has no \"Imports:\" paragraph; it imports %s", p.Path, strings.Join(p.Imports, ", "))
			}
			continue
		}
		named := namedPackages(para, known)
		for _, dep := range p.Imports {
			if !slices.Contains(named, dep) {
				t.Errorf("%s: imports %s, which its \"Imports:\" paragraph does not name", p.Path, dep)
			}
		}
		for _, n := range named {
			if !slices.Contains(p.Imports, n) {
				t.Errorf("%s: its \"Imports:\" paragraph names %s, which it does not import", p.Path, n)
			}
		}
	}
}

// packageDoc returns the package's doc comment (from the first file that
// has one) and its name.
func packageDoc(t *testing.T, p pkg) (doc, name string) {
	fset := token.NewFileSet()
	for _, f := range p.GoFiles {
		file, err := parser.ParseFile(fset, filepath.Join(p.Dir, f), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Fatalf("%s: %v", p.Path, err)
		}
		name = file.Name.Name
		if file.Doc != nil {
			return file.Doc.Text(), name
		}
	}
	return "", name
}

// importsParagraph returns the paragraph of doc that starts with a line
// beginning "Imports:".
func importsParagraph(doc string) (string, bool) {
	var para []string
	in := false
	for _, line := range strings.Split(doc, "\n") {
		switch {
		case strings.HasPrefix(strings.TrimSpace(line), "Imports:"):
			in = true
		case in && strings.TrimSpace(line) == "":
			return strings.Join(para, " "), true
		}
		if in {
			para = append(para, line)
		}
	}
	return strings.Join(para, " "), in
}

// namedPackages are the module packages a paragraph names by their path
// relative to the module root.
func namedPackages(para string, known map[string]bool) []string {
	var out []string
	for _, w := range pathWord.FindAllString(para, -1) {
		if known[w] && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}
