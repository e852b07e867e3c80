// Package probe runs ffprobe on a media file and reports what the origin
// controller needs to know about it: container, duration, and each video
// and audio stream (codec, resolution, frame rate, sample rate, channels,
// language).
//
// It owns the decision "is this a video we can work with?": Probe returns
// an error wrapping ErrNotVideo, with ffprobe's own reason, for a file
// ffprobe cannot read, a file without a video stream (audio only, cover
// art only), or a still image. The controller turns that into a 422 at
// upload time, before any work starts. Other failures (ffprobe missing,
// killed, timed out) wrap ErrProbe: they say nothing about the file.
//
// Parse is separated from the process so that it can be fuzzed: it turns
// ffprobe's JSON (-print_format json -show_format -show_streams) into an
// Info and never trusts a field to be present or well-formed.
//
// Imports: standard library only.
package probe
