// Package transcode turns a probed source into the renditions of an
// adaptive-bitrate ladder with the ffmpeg binary.
//
// It owns three things:
//
//   - the ladder (ladder.go): rungs by picture height with target
//     bitrates, per codec (H.264 by default; HEVC and AV1 when the
//     ffmpeg build has libx265 / libsvtav1), parsed from the operator's
//     "1080p:5000k,720p,…" syntax;
//   - the plan (plan.go): the renditions one source gets, capped at the
//     source's resolution (never upscaled), with the source's own size
//     as the top rung when it falls between rungs (a 360-line source
//     publishes 360p and 240p), plus one AAC rendition per
//     source audio stream, each with a stable name that is also its
//     directory in the published layout (video-h264-720p,
//     audio-aac-128k);
//   - the encode (encode.go): one ffmpeg run per rendition writing CMAF
//     (fMP4) segments of Config.SegmentDuration with the HLS muxer:
//     init.mp4, seg-00000.m4s…, index.m3u8.
//
// Keyframes are aligned across renditions by forcing one at every
// multiple of the segment duration (-force_key_frames expr:…) with scene
// cut detection off and a GOP no shorter than a segment: every rendition
// starts a segment at the same presentation times, so players can switch
// at any segment boundary. Each rendition is encoded by its own process so
// that the controller's pipeline can run them in parallel, retry one, and
// resume after a crash without redoing the others. Master playlists and
// the DASH manifest over the same segments are the packager's job.
//
// Video timestamps do not depend on where an encode starts
// (videoTimingArgs in args.go): the first frame is presented at 0 and
// each fragment's decode time comes from the packets themselves, so
// init.mp4 has no start-dependent edit list. That is what lets a long
// source be encoded in chunks (chunk.go): Chunks cuts the timeline every
// Config.ChunkDuration (default 2 min, rounded down to whole segments, so
// every cut is at a forced keyframe; a source shorter than two chunks is
// encoded whole, and a tail under half a chunk joins the last one), and
// EncodeChunk encodes source [Start, End) of one video rendition with an
// accurate input seek, -output_ts_offset Start (the source's timeline
// kept) and segment numbers from FirstSegment. Chunks of a rendition then
// carry byte-identical init segments (x264/x265 with identical settings
// write identical parameter sets) and the very segment times a whole-file
// encode gives; packager.Join checks that and assembles them. A chunk's
// inputs and output are a source file, plain values and a directory, so
// a chunk can run on another machine. Audio is not chunked: it is cheap
// next to video, and AAC's encoder priming (about 1024 samples added at
// every encode's start) would put a glitch or an overlap at each join.
//
// Imports: origin/ffmpeg (the process runner) and origin/probe (the
// source's description).
package transcode
