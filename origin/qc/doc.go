// Package qc is the controller's lightweight content analysis: it checks
// a source and the renditions made from it, and turns what it finds into
// a report with a verdict that gates publishing.
//
// Checks are Scanners. Four are built in, all running the ffmpeg binary:
//
//   - Defects (on the source): black stretches (blackdetect), frozen
//     video (freezedetect), silence (silencedetect) and loudness (EBU R128
//     integrated loudness, range and true peak, with ebur128), in one
//     decoding pass with the picture scaled down first so that the
//     detectors cost little next to the decoder; plus the audio/video
//     length match from ffprobe's stream durations.
//   - Decode (on each rendition): decodes the whole rendition through its
//     playlist, fails on any decoder error, and compares its length with
//     the source's.
//   - Flashes (on the source): photosensitivity, general and red
//     flashes above a rate over a share of the screen, measured in Go
//     on raw frames ffmpeg decodes to 64×36 RGB (ffmpeg.Cmd.Stdout);
//     the operational definition is in flash_detect.go. Its findings are
//     errors or warnings as Thresholds.Flashes says (hold or warn).
//   - Markers (on the source): scene cuts (scdet), black and silent gaps
//     and the cut rhythm give an intro span and a credits start, each with
//     a confidence, as Info findings the controller turns into the
//     title's playback markers (markers_detect.go has the heuristic).
//
// Thresholds (Thresholds, from the controller's configuration) decide
// what is a warning and what is an error; a stretch touching the very
// start or end (a fade) is at most a warning. A report with an error is
// not Passed, and the controller holds such a title from publishing until
// an operator approves it through the API.
//
// # Plugging in other scanners
//
// A moderation model, a caption checker or a fingerprinting service
// implements Scanner (Name, Scan) and is added to the controller's
// Deps.SourceScanners (run once on the source, in parallel with the
// transcodes) or Deps.RenditionScanners (run on each finished rendition,
// inside its transcode step). A scanner returns findings; an error from
// Scan means the scanner could not run (the step is retried), not that
// the content is bad. ParseLog, the parser of ffmpeg's filter log, is
// fuzzed.
//
// Plugin is such a scanner over HTTP, for services that are not Go: it
// sends a few JPEG frames of the source as JSON and turns the answer's
// verdict and labels into findings (plugin_contract.go; the contract is
// in docs/api.md). A scanner that cannot be reached is ErrScannerUnavailable
// (retry); an answer that breaks the contract is ErrBadAnswer, which the
// controller does not retry. ParseScanAnswer is fuzzed.
//
// Imports: origin/ffmpeg and origin/probe (and net/http, for Plugin).
package qc
