package cache

import (
	"path"
	"strings"
)

// streamingTypes are the media types of what a video edge exists to
// serve. For these extensions the edge's type wins over the origin's:
// origins routinely mislabel them (S3 uploads default to
// binary/octet-stream; common mime databases call .ts a Qt translation
// file and .m3u8 audio/x-mpegurl), and a wrong type breaks native players.
var streamingTypes = map[string]string{
	".m3u8": "application/vnd.apple.mpegurl",
	".mpd":  "application/dash+xml",
	".m4s":  "video/iso.segment",
	".mp4":  "video/mp4",
	".m4v":  "video/mp4",
	".m4a":  "audio/mp4",
	".ts":   "video/mp2t",
	".aac":  "audio/aac",
	".vtt":  "text/vtt",
	".webm": "video/webm",
	".cmfv": "video/mp4",
	".cmfa": "audio/mp4",
	".cmft": "application/mp4",
}

// fallbackTypes are used only when the origin sent no type or a generic
// one.
var fallbackTypes = map[string]string{
	".json": "application/json",
	".xml":  "application/xml",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".png":  "image/png",
	".webp": "image/webp",
	".txt":  "text/plain; charset=utf-8",
}

const octetStream = "application/octet-stream"

// contentType picks the media type of key (see streamingTypes and
// fallbackTypes); anything else keeps the origin's type.
func contentType(key, fromOrigin string) string {
	ext := strings.ToLower(path.Ext(key))
	if ct, ok := streamingTypes[ext]; ok {
		return ct
	}
	generic := fromOrigin == "" || strings.HasPrefix(fromOrigin, octetStream) || strings.HasPrefix(fromOrigin, "binary/octet-stream")
	if !generic {
		return fromOrigin
	}
	if ct, ok := fallbackTypes[ext]; ok {
		return ct
	}
	return octetStream
}
