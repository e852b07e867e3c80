package fuzzaudit

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// covered maps each parser (package path relative to the module root,
// a dot, the function's name) to the fuzz target that exercises it, in
// the same package unless the target names one ("pkg.FuzzX").
var covered = map[string]string{
	"bench.ParseScenario":               "FuzzParseScenario",
	"bench.ParseScenarios":              "FuzzParseScenario",
	"bench.parseTarget":                 "FuzzParseScenario",
	"bench.ParseWrk":                    "FuzzParseWrk",
	"bench.parsePercentile":             "FuzzParseWrk",
	"bench.parseSocketErrors":           "FuzzParseWrk",
	"bench.parseTotals":                 "FuzzParseWrk",
	"bench.parseWrkBytes":               "FuzzParseWrk",
	"bench.parseWrkDuration":            "FuzzParseWrk",
	"bench.parsePromText":               "FuzzParsePromText",
	"bench.parseCPUList":                "FuzzParseCPUList",
	"bench.parseRespHeader":             "FuzzParseRespHeader",
	"bench.parsePromLine":               "FuzzParsePromText",
	"bench.parsePromLabels":             "FuzzParsePromText",
	"bench/player.ParseMaster":          "FuzzParseMaster",
	"bench/player.ParseMedia":           "FuzzParseMedia",
	"bench/trace.parse":                 "FuzzReader",
	"bench/trace.ParseRange":            "FuzzReader",
	"cache.decodeStored":                "FuzzDecodeStored",
	"cmd/vodedge.parseDiskSpec":         "FuzzParseDiskSpec",
	"cmd/vodedge.parseClock":            "FuzzParseClock",
	"cmd/vodedge.parseSpan":             "FuzzParseClock",
	"cache.parse":                       "FuzzHandler",
	"cache/disktier.decodeRecord":       "FuzzDecodeRecord",
	"cache/logship.decodeBatch":         "FuzzDecodeSpool",
	"cache/logship.decodeCursor":        "FuzzDecodeSpool",
	"cache/disktier.parseHashEntry":     "FuzzParseHashEntry",
	"cache/freshness.Parse":             "FuzzParseCacheControl",
	"cache/freshness.ParseDelta":        "FuzzParseCacheControl",
	"cache/freshness.ParseRetryAfter":   "FuzzParseRetryAfter",
	"cache/freshness.ParseTargeted":     "FuzzParseTargeted",
	"cache/httprange.Parse":             "FuzzParse",
	"cache/httprange.parseSet":          "FuzzParse",
	"cache/httprange.parseSpec":         "FuzzParse",
	"cache/httprange.parseSuffix":       "FuzzParse",
	"cache/httprange.parseUint":         "FuzzParse",
	"cache/policy.Parse":                "FuzzParse",
	"cache/policy.ParseDuration":        "FuzzParse",
	"cache/policy.ParseSet":             "FuzzParse",
	"cache/vary.Parse":                  "FuzzParse",
	"fill.ParseWindow":                  "FuzzParseWindow",
	"internal/manifest.ParsePublicKey":  "FuzzParsePublicKey",
	"internal/manifest.ParseIndex":      "FuzzParseIndex",
	"internal/manifest.parseIndexLine":  "FuzzParseIndex",
	"internal/manifest.ParseRanges":     "FuzzParseRanges",
	"internal/manifest.parsePos":        "FuzzParseRanges",
	"internal/manifest.ParseGroup":      "FuzzParseGroup",
	"internal/admin.LoadTokens":         "FuzzParseTokens",
	"internal/admin.ParseTokens":        "FuzzParseTokens",
	"internal/bytesize.Parse":           "FuzzParse",
	"internal/heartbeat.Parse":          "FuzzParse",
	"internal/tiergrant.ParseDirectory": "FuzzParseDirectory",
	"origin.parseBase":                  "FuzzParseBase",
	"origin.parseByteranges":            "FuzzParseByteranges",
	"origin.parseContentRange":          "FuzzParseContentRange",
	"origin.parseContentRangeOK":        "FuzzParseContentRange",
	"origin.parseDigits":                "FuzzParseContentRange",
	"origin/controller.ParseSearch":     "FuzzParseSearch",
	"origin/controller.parseDurations":  "FuzzParseSearch",
	"origin/controller.parseEnums":      "FuzzParseSearch",
	"origin/controller.parsePage":       "FuzzParseSearch",
	"origin/controller.parseYears":      "FuzzParseSearch",
	"origin/controller.parsePopularity": "FuzzParsePopularity",
	"origin/controller.ParseSites":      "FuzzParseSites",
	"origin/controller.ParseNodeTokens": "FuzzParseNodeTokens",
	"origin/controller.parseBatchQuery": "FuzzParseBatchQuery",
	"origin/ffmpeg.ParseProgress":       "FuzzParseProgress",
	"origin/packager.ParsePlaylist":     "FuzzParsePlaylist",
	"origin/popularity.ParseLine":       "FuzzParseLine",
	"origin/probe.Parse":                "FuzzParse",
	"origin/qc.ParseLog":                "FuzzParseLog",
	"origin/subtitle.Parse":             "FuzzParse",
	"origin/subtitle.ParseSRT":          "FuzzParse",
	"origin/subtitle.ParseVTT":          "FuzzParse",
	"origin/subtitle.parseTime":         "FuzzParse",
	"origin/subtitle.parseTiming":       "FuzzParse",
	"origin/qc.ParseCuts":               "FuzzParseCuts",
	"origin/qc.ParseScanAnswer":         "FuzzParseScanAnswer",
	"origin/thumbs.ParseFrames":         "FuzzParseFrames",
	"origin/thumbs.DecodePoster":        "FuzzDecodePoster",
	"origin/transcode.ParseLadder":      "FuzzParseLadder",
	"origin/transcode.parseRung":        "FuzzParseLadder",
	"origin/transcode.parseBitrate":     "FuzzParseLadder",
	"steering.LoadSitesFile":            "FuzzParseSitesFile",
	"steering.ParseSitesFile":           "FuzzParseSitesFile",
	"steering.parseForwarded":           "FuzzClientAddr",
	"steering.decodeRune":               "FuzzAppendString",
	"steering/bgp.ParseCommunity":       "FuzzParseCommunity",
	"steering/cluster.DecodeMeta":       "FuzzDecodeMeta",
	"steering/cluster.LoadKey":          "FuzzParseKey",
	"steering/cluster.ParseKey":         "FuzzParseKey",
	"steering/cluster.ParseBitRate":     "FuzzParseBitRate",
	"cache/peer.parseContentRange":      "FuzzParseContentRange",
	"steering/prefix.LoadFile":          "FuzzParse",
	"steering/prefix.Parse":             "FuzzParse",
	"steering/prefix.parseOne":          "FuzzParse",
	"internal/urlsign.LoadKeys":         "FuzzParseKeys",
	"internal/urlsign.ParseKeys":        "FuzzParseKeys",
	"internal/urlsign.parseKeyLine":     "FuzzParseKeys",
	"internal/urlsign.parseToken":       "FuzzVerify",
	"internal/urlsign.parseUint":        "FuzzVerify",

	"origin/controller.DecodeStepSettings": "FuzzDecodeStepSettings",
}

// exempt lists parsers without a fuzz target of their own, and why.
var exempt = map[string]string{
	"cache/freshness.ParseDate":        "is net/http.ParseTime",
	"cache/evloop.parse":               "is fasthttp's RequestHeader.Read over one block that headerEnd (TestHeaderEnd) split; what it cannot read goes to fasthttp's server as bytes",
	"origin/transcode.ParseCodec":      "matches its argument against three names",
	"origin/controller.decodeBody":     "encoding/json into a fixed struct, 1 MiB at most, unknown fields refused",
	"internal/manifest.LoadPrivateKey": "the operator's own key file: encoding/base64 and a length check",
	"internal/webui.parseMetrics":      "the web pages' reader of the daemons' own /metrics (internal/webui, another change's package: a gap to close there)",
	"bench.parseDiscardJSON":           "is encoding/json.Unmarshal of what the bench's own load client ('vodedge bench load --json') printed",
	"bench.parseKB":                    "strconv.ParseInt of a number the kernel writes in /proc, read by the bench about its own processes",
}

var parserName = regexp.MustCompile(`^(Parse|parse|Decode|decode|Unmarshal|unmarshal)`)
var loaderName = regexp.MustCompile(`^Load[A-Z]`)

func moduleRoot(t *testing.T) string {
	dir, _ := filepath.Abs(".")
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}

// scan returns the parsers ("pkg.Name") and fuzz targets ("pkg.FuzzX")
// of the module's Go files.
func scan(t *testing.T, root string) (parsers, targets map[string]string) {
	parsers, targets = map[string]string{}, map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			name := fn.Name.Name
			switch {
			case strings.HasSuffix(path, "_test.go"):
				if strings.HasPrefix(name, "Fuzz") && fn.Recv == nil {
					targets[pkg+"."+name] = filepath.Dir(path)
				}
			case parserName.MatchString(name) || fn.Recv == nil && loaderName.MatchString(name):
				parsers[pkg+"."+name] = path
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return parsers, targets
}

func TestEveryParserIsFuzzed(t *testing.T) {
	root := moduleRoot(t)
	parsers, targets := scan(t, root)
	names := make([]string, 0, len(parsers))
	for p := range parsers {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		target, ok := covered[p]
		if _, ex := exempt[p]; ex {
			continue
		}
		if !ok {
			t.Errorf("%s (%s) parses input but no fuzz target covers it: add one (see STYLE.md 15) and list it in covered, or say in exempt why it needs none", p, parsers[p])
			continue
		}
		pkg := p[:strings.LastIndex(p, ".")]
		if !strings.Contains(target, ".") {
			target = pkg + "." + target
		}
		if _, ok := targets[target]; !ok {
			t.Errorf("%s: its fuzz target %s does not exist", p, target)
		}
	}
	for p := range covered {
		if _, ok := parsers[p]; !ok {
			t.Errorf("covered lists %s, which no longer exists", p)
		}
	}
	for p := range exempt {
		if _, ok := parsers[p]; !ok {
			t.Errorf("exempt lists %s, which no longer exists", p)
		}
	}
	t.Logf("%d parsers: %d covered by %d fuzz targets, %d exempt", len(parsers), len(parsers)-len(exempt), len(targets), len(exempt))
}

func TestEveryFuzzTargetHasSeeds(t *testing.T) {
	_, targets := scan(t, moduleRoot(t))
	for target, dir := range targets {
		name := target[strings.LastIndex(target, ".")+1:]
		entries, err := os.ReadDir(filepath.Join(dir, "testdata", "fuzz", name))
		if err != nil || len(entries) == 0 {
			t.Errorf("%s has no seed corpus in %s", target, filepath.Join(dir, "testdata", "fuzz", name))
		}
	}
}
