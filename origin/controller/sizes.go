package controller

import (
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/popularity"
)

// sizes answers popularity's questions from the catalog.
type sizes struct{ cat *catalog.Catalog }

var _ popularity.Sizes = sizes{}

func (z sizes) FileSize(path string) (int64, bool) { return z.cat.FileSize(path) }

// PlaybackSize is one average playback: all published bytes divided by
// the number of video renditions (a player streams one at a time).
func (z sizes) PlaybackSize(id string) (int64, bool) {
	t, err := z.cat.Get(id)
	if err != nil || len(t.Files) == 0 {
		return 0, false
	}
	videos := 0
	for _, r := range t.Renditions {
		if r.Kind == "video" {
			videos++
		}
	}
	return t.Bytes() / int64(max(1, videos)), true
}
