package main

import (
	"testing"

	"github.com/vodedge/vodedge/origin/catalog"
)

// TestUITitle: the pages get a catalog title's artwork, subtitles and
// markers as paths on the edges and seconds; a title without them gets
// none (the player then hides its menus and buttons).
func TestUITitle(t *testing.T) {
	full := &catalog.Title{ID: "film", Metadata: catalog.Metadata{Title: "Film", Rating: "PG", Languages: []string{"en"}},
		Subtitles:      []catalog.Subtitle{{Language: "fr", Name: "Français", Playlist: "subs-fr/index.m3u8"}},
		Artwork:        catalog.Artwork{Poster: &catalog.Poster{File: "art/poster.jpg"}, Thumbnails: "art/thumbs.vtt", Preview: &catalog.Preview{File: "art/preview.mp4"}},
		ViewerWarnings: []string{"photosensitivity: flashes"},
		Markers:        &catalog.Markers{Intro: &catalog.Marker{Start: 1, End: 9.5}, Credits: &catalog.Marker{Start: 100, Source: "operator"}}}
	w := uiTitle(full)
	if w.Master != "/titles/film/master.m3u8" || w.DASH != "/titles/film/manifest.mpd" || w.Poster != "/titles/film/art/poster.jpg" ||
		w.Thumbnails != "/titles/film/art/thumbs.vtt" || w.Preview != "/titles/film/art/preview.mp4" || w.Rating != "PG" {
		t.Fatalf("paths: %+v", w)
	}
	if len(w.Subtitles) != 1 || w.Subtitles[0].Language != "fr" || len(w.Warnings) != 1 ||
		w.Markers.Intro.Start != 1 || w.Markers.Intro.End != 9.5 || w.Markers.Credits.Start != 100 {
		t.Fatalf("subtitles, warnings, markers: %+v %+v", w, w.Markers)
	}
	bare := uiTitle(&catalog.Title{ID: "plain"})
	if bare.Poster != "" || bare.Thumbnails != "" || bare.Preview != "" || bare.Markers != nil || bare.Subtitles != nil {
		t.Fatalf("a title without artwork or markers: %+v", bare)
	}
}
