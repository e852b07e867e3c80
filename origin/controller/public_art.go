package controller

import "github.com/vodedge/vodedge/origin/catalog"

// publicArtwork is where an app finds a title's pictures: URLs beside
// the playback entry points (through steering when configured, so
// edges serve them), "" when the title has none.
type publicArtwork struct {
	Poster     string `json:"poster,omitempty"`
	Thumbnails string `json:"thumbnails,omitempty"`
	Preview    string `json:"preview,omitempty"`
}

func artworkOf(base string, a catalog.Artwork) publicArtwork {
	var out publicArtwork
	if a.Poster != nil {
		out.Poster = base + a.Poster.File
	}
	if a.Thumbnails != "" {
		out.Thumbnails = base + a.Thumbnails
	}
	if a.Preview != nil {
		out.Preview = base + a.Preview.File
	}
	return out
}
