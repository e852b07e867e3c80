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
// Subtitles (subtitles.go): each SubtitleTrack's directory holds its
// whole normalised WebVTT (origin/subtitle). Package cuts it into
// WebVTT segments at the first video rendition's segment boundaries
// (same count, same EXTINF durations, so a player fetches subtitle and
// video segment i together; SubtitleDurations, which SegmentTrack is
// given for a track added to a packaged title), writes the track's media playlist, lists
// the tracks in the master as EXT-X-MEDIA TYPE=SUBTITLES in group
// "subs" (named on every variant with SUBTITLES="subs"), and in the MPD
// as one AdaptationSet per track, contentType="text",
// mimeType="text/vtt", lang, Role "subtitle", Label, with a single
// Representation whose BaseURL is the whole WebVTT file. That single
// file form, rather than segmented WebVTT in a SegmentTemplate, is the
// one dash.js and Shaka Player both load as side-loaded text, and a
// subtitle file of a feature is tens of kilobytes, so segmenting it
// for DASH buys nothing. Checked by hand in headless Chromium: dash.js
// 5.2.1 and Shaka Player 5.2.12 load the text sets, and hls.js 1.7.4 and
// Shaka the HLS renditions, each showing cues at their times (which
// validates the X-TIMESTAMP-MAP of origin/subtitle). (ffmpeg 5.1's HLS demuxer skips subtitle
// renditions in a master and its DASH demuxer reads no text sets; it
// reads the subtitle playlists and files themselves, which the tests
// do.)
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
// Imports: origin/transcode for the Rendition type and file names,
// origin/subtitle to read and segment the subtitle tracks.
package packager
