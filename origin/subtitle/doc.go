// Package subtitle reads the subtitle files an operator uploads beside a
// video (WebVTT and SubRip) and the text tracks ffmpeg extracts from a
// source, checks them, and writes them back as normalised WebVTT: whole
// (for DASH, which players load as one file) and cut into segments that
// follow the video's segment boundaries (for HLS subtitle renditions).
//
// Parsing (Parse, ParseVTT, ParseSRT) faces untrusted files, so it is
// strict where a mistake would reach viewers and says where: an error
// is an *Error naming the 1-based line (a timestamp that does not
// parse, a cue that ends before it starts, a block without a timing
// line, bytes that are not UTF-8). It is lenient where players are: a
// byte-order mark, CRLF or CR line ends, extra blank lines, NOTE
// blocks (dropped), SubRip position coordinates (dropped), cues out of
// order (sorted by start time). SubRip text becomes WebVTT cue text:
// ASS override tags ({\an8}) dropped, a "<" that starts no tag escaped.
// It never panics and is fuzzed.
//
// Normalised WebVTT (Track.VTT) is "WEBVTT", the file's STYLE and
// REGION blocks, then each cue with hh:mm:ss.mmm timestamps, its
// settings and text; the header's other lines (an X-TIMESTAMP-MAP from
// another packager) are dropped, since Segment writes its own.
//
// Segment cuts a track at given boundaries: each segment file holds
// every cue that overlaps it (a cue crossing a boundary is repeated in
// both, as RFC 8216 allows; players drop the duplicate) and starts with
// X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000, which says that cue times
// are on the media timeline itself. That holds for our CMAF renditions:
// the encoder starts every rendition at presentation time 0 and no
// MPEG-TS offset is involved.
//
// Imports: standard library only.
package subtitle
