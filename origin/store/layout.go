package store

import (
	"errors"
	"fmt"
	"mime"
	"path"
	"strings"
)

// Errors.
var (
	// ErrBadKey: a key outside the layout (or a bad title ID).
	ErrBadKey = errors.New("store: bad key")
	// ErrNotFound: the object (or title) is not in the store.
	ErrNotFound = errors.New("store: not found")
	// ErrConfig: a store spec or option that cannot work.
	ErrConfig = errors.New("store: bad configuration")
	// ErrUnavailable: the store failed (I/O error, S3 error); retrying
	// may help.
	ErrUnavailable = errors.New("store: unavailable")
)

// Class is a storage class.
type Class string

// Storage classes of a title.
const (
	Hot  Class = "hot"
	Cold Class = "cold"
)

// TitlesDir is the top of the published layout.
const TitlesDir = "titles"

// ColdDir holds cold titles in a local store.
const ColdDir = "cold"

// ValidID reports whether id can be a title ID: 1..64 bytes of [a-z0-9-],
// not starting with "-".
func ValidID(id string) bool {
	if id == "" || len(id) > 64 || id[0] == '-' {
		return false
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// TitlePrefix is "titles/{id}/".
func TitlePrefix(id string) string { return TitlesDir + "/" + id + "/" }

// Key is the object key of a file of title id, rel being its path
// relative to the title ("master.m3u8", "video-h264-720p/seg-00001.m4s").
func Key(id, rel string) (string, error) {
	if !ValidID(id) {
		return "", fmt.Errorf("%w: title ID %q", ErrBadKey, id)
	}
	k := TitlePrefix(id) + rel
	if err := CheckKey(k); err != nil {
		return "", err
	}
	return k, nil
}

// CheckKey accepts titles/{id}/{name} and titles/{id}/{rendition}/{name}
// with plain names (no dot first, no "..", no odd bytes).
func CheckKey(k string) error {
	parts := strings.Split(k, "/")
	if len(parts) < 3 || len(parts) > 4 || parts[0] != TitlesDir || !ValidID(parts[1]) {
		return fmt.Errorf("%w: %q is not titles/{id}/[rendition/]name", ErrBadKey, clip(k))
	}
	for _, p := range parts[2:] {
		if !plainName(p) {
			return fmt.Errorf("%w: %q: bad name %q", ErrBadKey, clip(k), clip(p))
		}
	}
	return nil
}

// TitleOf returns the title ID of a key or of an edge path
// ("/titles/{id}/…"); ok is false for anything else.
func TitleOf(key string) (id string, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimPrefix(key, "/"), TitlesDir+"/")
	if !found {
		return "", false
	}
	id, _, found = strings.Cut(rest, "/")
	return id, found && ValidID(id)
}

func plainName(s string) bool {
	if s == "" || len(s) > 128 || s[0] == '.' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// ContentType is the media type published with a key.
func ContentType(key string) string {
	switch path.Ext(key) {
	case ".m3u8":
		return "application/vnd.apple.mpegurl"
	case ".mpd":
		return "application/dash+xml"
	case ".m4s":
		return "video/iso.segment"
	case ".mp4":
		return "video/mp4"
	case ".vtt":
		return "text/vtt"
	}
	if t := mime.TypeByExtension(path.Ext(key)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
