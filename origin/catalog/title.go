package catalog

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"time"
	"unicode"

	"github.com/vodedge/vodedge/origin/probe"
)

// Errors.
var (
	ErrNotFound = errors.New("catalog: title not found")
	ErrExists   = errors.New("catalog: title exists")
	ErrInvalid  = errors.New("catalog: invalid")
)

// Status is where a title is in its life.
type Status string

// Title statuses.
const (
	Processing Status = "processing" // the ingest pipeline runs
	Held       Status = "held"       // quality checks failed; waiting for approval
	Published  Status = "published"  // in the origin store, served to edges
	Failed     Status = "failed"     // the pipeline failed; see the job
	Cancelled  Status = "cancelled"
)

// Class is the storage class as the catalog shows it, including the
// moves in progress.
type Class string

// Storage classes.
const (
	Hot       Class = "hot"
	Cold      Class = "cold"
	Demoting  Class = "demoting"
	Restoring Class = "restoring"
)

// Metadata is what an operator says about a title.
type Metadata struct {
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	Year        int      `json:"year,omitempty"`
	Rating      string   `json:"rating,omitempty"`
	Languages   []string `json:"languages,omitempty"`
	// ExpectedPlays is the operator's expected plays per day across all
	// sites, the prior popularity of a new release (origin/popularity);
	// 0 lets the controller estimate it from comparable titles.
	ExpectedPlays float64 `json:"expected_plays,omitempty"`
}

// Rendition is a packaged rendition of a title.
type Rendition struct {
	Name             string  `json:"name"`
	Kind             string  `json:"kind"`
	Codec            string  `json:"codec,omitempty"`
	Codecs           string  `json:"codecs"`
	Width            int     `json:"width,omitempty"`
	Height           int     `json:"height,omitempty"`
	FPS              float64 `json:"fps,omitempty"`
	Language         string  `json:"language,omitempty"`
	PeakBandwidth    int64   `json:"peak_bandwidth"`
	AverageBandwidth int64   `json:"average_bandwidth"`
	Segments         int     `json:"segments"`
}

// Subtitle is a packaged subtitle track of a title: an HLS subtitle
// rendition (Playlist) and a DASH text file (File), both relative to
// the title's directory.
type Subtitle struct {
	Language string `json:"language"`
	Name     string `json:"name"`
	Playlist string `json:"playlist"`
	File     string `json:"file"`
	Cues     int    `json:"cues"`
}

// File is a published object.
type File struct {
	Key    string `json:"key"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// QC is the quality-check verdict. The full report is in the controller.
type QC struct {
	// State is "pending", "passed", "failed" or "approved" (failed, then
	// released by an operator).
	State      string    `json:"state"`
	Problems   []string  `json:"problems,omitempty"`
	Warnings   int       `json:"warnings,omitempty"`
	ApprovedBy string    `json:"approved_by,omitempty"`
	ApprovedAt time.Time `json:"approved_at,omitzero"`
	Note       string    `json:"note,omitempty"`
}

// Title is one catalog entry.
type Title struct {
	ID string `json:"id"`
	Metadata
	Source       SourceInfo  `json:"source"`
	Status       Status      `json:"status"`
	Class        Class       `json:"class"`
	Error        string      `json:"error,omitempty"`
	JobID        string      `json:"job_id,omitempty"`
	DurationMS   int64       `json:"duration_ms"`
	Renditions   []Rendition `json:"renditions,omitempty"`
	Subtitles    []Subtitle  `json:"subtitles,omitempty"`
	Files        []File      `json:"files,omitempty"`
	QC           QC          `json:"qc"`
	Artwork      Artwork     `json:"artwork,omitzero"`
	Created      time.Time   `json:"created"`
	Updated      time.Time   `json:"updated"`
	Published    time.Time   `json:"published,omitzero"`
	ClassChanged time.Time   `json:"class_changed,omitzero"`

	// ViewerWarnings are advisories for viewers found by content
	// analysis (photosensitivity), shown beside the title.
	ViewerWarnings []string `json:"viewer_warnings,omitempty"`
	// Markers are the playback markers (markers.go).
	Markers *Markers `json:"markers,omitempty"`
}

// SourceInfo is the uploaded source as ffprobe described it.
type SourceInfo struct {
	FileName string      `json:"file_name,omitempty"`
	Size     int64       `json:"size"`
	SHA256   string      `json:"sha256,omitempty"`
	Probe    *probe.Info `json:"probe,omitempty"`
}

// Bytes is the total size of the published files.
func (t *Title) Bytes() int64 {
	var n int64
	for _, f := range t.Files {
		n += f.Size
	}
	return n
}

// File returns the published file with key, if any.
func (t *Title) File(key string) (File, bool) {
	for _, f := range t.Files {
		if f.Key == key {
			return f, true
		}
	}
	return File{}, false
}

// NewID makes a readable, unique title ID: a slug of the title (up to 40
// bytes of [a-z0-9-]) and 6 random hex digits, e.g. "big-buck-bunny-3fa9c2".
func NewID(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	slug := strings.Trim(b.String(), "-")
	var rnd [3]byte
	rand.Read(rnd[:])
	if slug == "" {
		return "title-" + hex.EncodeToString(rnd[:])
	}
	return slug + "-" + hex.EncodeToString(rnd[:])
}
