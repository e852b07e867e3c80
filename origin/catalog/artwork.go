package catalog

import "time"

// Artwork is a title's pictures for browsing and seeking. File names
// are relative to the title's published files (e.g. "art/poster.jpg").
type Artwork struct {
	// Poster is the poster in use: the analysis' pick or an upload.
	Poster *Poster `json:"poster,omitempty"`
	// Picked is what the analysis chose, kept when an upload replaces it.
	Picked *Poster `json:"picked,omitempty"`
	// Thumbnails is the WebVTT thumbnail track over the sprite sheets.
	Thumbnails string `json:"thumbnails,omitempty"`
	// Preview is the short muted clip for the browse page.
	Preview *Preview `json:"preview,omitempty"`
	// IFrames lists the renditions that have an I-frame playlist
	// (EXT-X-I-FRAME-STREAM-INF in the master).
	IFrames []string `json:"iframes,omitempty"`
}

// Poster is a title's poster image.
type Poster struct {
	File string `json:"file"`
	// Source is "analysis" or "upload".
	Source string `json:"source"`
	// TimeSec, Score (0–1) and Reason say where the analysis took it
	// from and why; Uploaded when an operator gave it.
	TimeSec  float64   `json:"time_sec,omitempty"`
	Score    float64   `json:"score,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Width    int       `json:"width,omitempty"`
	Height   int       `json:"height,omitempty"`
	Uploaded time.Time `json:"uploaded,omitzero"`
}

// Preview is a title's preview clip.
type Preview struct {
	File      string  `json:"file"`
	StartSec  float64 `json:"start_sec"`
	LengthSec float64 `json:"length_sec"`
	Score     float64 `json:"score"`
	Reason    string  `json:"reason"`
}
