package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/vodedge/vodedge/origin/controller/client"
)

// subtitleFile is one LANG=FILE.
type subtitleFile struct {
	lang, path string
}

// subtitleArgs splits LANG=FILE values (its callers name where they
// came from); the controller checks the language and the file's
// contents.
func subtitleArgs(vals []string) ([]subtitleFile, error) {
	var out []subtitleFile
	for _, v := range vals {
		lang, path, ok := strings.Cut(v, "=")
		if !ok || lang == "" || path == "" {
			return nil, fmt.Errorf("%q: want LANG=FILE, e.g. en=movie.en.srt", v)
		}
		out = append(out, subtitleFile{lang: lang, path: path})
	}
	return out, nil
}

// openSubtitles opens the files; close closes them.
func openSubtitles(files []subtitleFile) (subs []client.Subtitle, closeAll func(), err error) {
	var opened []*os.File
	closeAll = func() {
		for _, f := range opened {
			f.Close()
		}
	}
	for _, sf := range files {
		f, err := os.Open(sf.path)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("--subtitles: %w", err)
		}
		opened = append(opened, f)
		subs = append(subs, client.Subtitle{Language: sf.lang, FileName: sf.path, Body: f})
	}
	return subs, closeAll, nil
}
