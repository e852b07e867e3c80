package controller

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/probe"
)

// TestSubtitlePlan: uploads come first, then the source's text streams
// (bitmap ones left out); a language seen again gets a numbered name
// and directory; the step goes before package, which waits for it.
func TestSubtitlePlan(t *testing.T) {
	ups := []subtitleUpload{{lang: language.English}, {lang: language.English}}
	info := &probe.Info{Subtitle: []probe.Stream{
		{Index: 2, Codec: "mov_text", Language: "eng"},
		{Index: 3, Codec: "hdmv_pgs_subtitle", Language: "fre"},
		{Index: 4, Codec: "subrip"},
	}}
	var got []string
	for _, sp := range subtitlePlan(ups, info) {
		from := sp.Upload
		if sp.Stream != nil {
			from = "stream " + string(rune('0'+*sp.Stream))
		}
		got = append(got, sp.Language+"|"+sp.Name+"|"+sp.Dir+"|"+from)
	}
	want := "en|English|subs-en|subtitle-00.vtt, en|English 2|subs-en-2|subtitle-01.vtt, en|English 3|subs-en-3|stream 2, und|Subtitles|subs-und|stream 4"
	if strings.Join(got, ", ") != want {
		t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(got, ", "), want)
	}
	spec := withSubtitles(ingestSpec("x", info, nil, nil), subtitlePlan(ups, info))
	names := []string{}
	for _, s := range spec.Steps {
		names = append(names, s.Name)
	}
	i := slices.IndexFunc(spec.Steps, func(s pipeline.Step) bool { return s.Name == stepPackage })
	if i < 0 {
		t.Fatalf("no package step in %v", names)
	}
	if pkg := spec.Steps[i]; pkg.Deps[len(pkg.Deps)-1] != stepSubtitles || !strings.Contains(strings.Join(names, ","), "subtitles,package") {
		t.Errorf("steps %v, package deps %v", names, pkg.Deps)
	}
}
