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
// Imports: origin/ffmpeg (the process runner) and origin/probe (the
// source's description).
package transcode
