// Package thumbs makes a title's pictures for browsing and seeking: a
// poster chosen by analysis, thumbnail sprite sheets with a WebVTT
// thumbnail track, a short muted preview clip, and HLS I-frame
// playlists over the renditions' existing segments.
//
// Analysis (analyze.go) is one ffmpeg pass over the source, sampled at a
// few frames a second and scaled small: per sample the scene-change
// score (select's scene), the mean luma, saturation and frame difference
// (signalstats) and the normalized luma entropy (entropy). ParseFrames,
// the parser of that log, is fuzzed. From the samples (pick.go):
//
//   - the poster is the best-scoring sample away from the first 5 % and
//     the last 10 % that is not black (mean luma), not within a second
//     of a cut (scene score), and not flat (entropy); its score and the
//     reason, with how many candidates each rule rejected, are kept in
//     the catalog. Entropy was chosen over an edge count because
//     signalstats and entropy come from the same pass, and a flat or
//     blurred frame has low entropy either way.
//   - the preview clip is the liveliest window (mean frame difference)
//     without black, away from the start (10 %) and the credits (last
//     15 %), when the title is long enough for that.
//
// Sprite sheets (sprites.go) take the first frame of each interval
// (select; the fps filter emits nothing for a title shorter than one
// interval) through scale and tile, on a branch (split) of the analysis
// pass's decode, so they cost almost nothing more: on a 60 s 720p
// source here, analysis with sprites took 5.9–6.0 s against 6.4–7.5 s
// for the analysis alone and 5.3–6.9 s for sprites in a pass of their
// own. The WebVTT track is computed from the same geometry, one cue per
// tile, covering the whole duration.
//
// I-frame playlists (iframes.go) need no new media: every segment the
// transcoder writes starts with a keyframe (one GOP per segment), so
// each entry is a byte range over a segment's first movie fragment
// header and first sample, read from the moof/traf/trun boxes.
// KeyframeRange refuses a segment whose first sample is not a sync
// sample; it reads untrusted bytes and is fuzzed.
//
// Uploaded posters are checked by DecodePoster: JPEG or PNG only,
// bounded dimensions, and the whole image must decode.
//
// Imports: origin/ffmpeg (running ffmpeg), origin/packager (the media
// playlist parser) and origin/transcode (rendition file names).
package thumbs
