// Package packager writes the title-level manifests over renditions that
// transcode has encoded: the HLS master playlist (master.m3u8) and a DASH
// MPD (manifest.mpd) that point at the very same CMAF segments, so one set
// of files serves both HLS and DASH players.
//
// It owns reading what the encoder wrote (playlist.go parses each
// rendition's index.m3u8: segment names and durations; codecs.go reads
// the RFC 6381 codec string — avc1.64001F, hvc1.1.6.L93.B0, av01.0.04M.08 —
// from the sample entry in init.mp4) and the bandwidth figures players
// choose by (BANDWIDTH is the peak segment bitrate, AVERAGE-BANDWIDTH the
// mean, both measured from the files rather than taken from the targets).
// Both parsers face files on disk that a crash or a bad encoder could have
// left truncated, so they are fuzzed and never panic.
//
// The DASH manifest uses SegmentTemplate with $Number%05d$ and a
// SegmentTimeline built from the HLS durations (timescale 1000), one
// AdaptationSet per video codec and per audio rendition.
//
// Join (join.go) assembles the chunks of a video rendition encoded apart
// (transcode.EncodeChunk) into one rendition directory without
// re-encoding: it refuses, naming the chunk, when an init.mp4 differs
// from the first chunk's (a codec configuration change), when segment
// numbers do not run on, or when a chunk does not start (within a frame)
// where the ones before it end; then it links the segments into place
// and writes one playlist. It lives here because it reads the encoder's
// playlists with the same fuzzed parser.
//
// Imports: origin/transcode for the Rendition type and file names.
package packager
