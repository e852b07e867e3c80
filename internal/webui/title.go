package webui

import "time"

// Title is a playable title as the pages list it. File paths are
// absolute paths on the edges (/titles/ID/…): the pages ask steering for
// them, as for the master playlist.
type Title struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	Year        int      `json:"year,omitempty"`
	Rating      string   `json:"rating,omitempty"`
	Languages   []string `json:"languages,omitempty"`
	DurationMS  int64    `json:"duration_ms"`
	// Master is the path of the HLS master playlist (/titles/ID/master.m3u8).
	Master string `json:"master"`
	// DASH is the path of the DASH manifest (/titles/ID/manifest.mpd).
	DASH string `json:"dash,omitempty"`
	// Poster, Thumbnails (a WebVTT track of sprite tiles) and Preview
	// are paths of the title's artwork; empty when it has none.
	Poster     string `json:"poster,omitempty"`
	Thumbnails string `json:"thumbnails,omitempty"`
	Preview    string `json:"preview,omitempty"`
	// Subtitles are the title's subtitle tracks.
	Subtitles []Subtitle `json:"subtitles,omitempty"`
	// Warnings are advisories shown before play (photosensitivity).
	Warnings []string `json:"viewer_warnings,omitempty"`
	// Markers say where "Skip intro" and the "Next" hint apply.
	Markers   *Markers  `json:"markers,omitempty"`
	Published time.Time `json:"published,omitzero"`
	// Popularity is the title's plays per day (the controller's
	// popularity), for the home page's popular row: at PopularitySite,
	// or summed over all sites when PopularitySite is empty.
	Popularity     float64 `json:"popularity,omitempty"`
	PopularitySite string  `json:"popularity_site,omitempty"`
}

// Subtitle is one subtitle track of a title.
type Subtitle struct {
	Language string `json:"language"`
	Name     string `json:"name,omitempty"`
}

// Markers are a title's playback markers, in seconds.
type Markers struct {
	Intro   *Span `json:"intro,omitempty"`
	Credits *Span `json:"credits,omitempty"`
}

// Span is a marker: [Start, End) in seconds; End is 0 for the credits
// (they run to the end).
type Span struct {
	Start float64 `json:"start"`
	End   float64 `json:"end,omitempty"`
}
