// Package ffmpeg runs the ffmpeg binary for the origin controller's
// transcode and quality-check steps, and parses what it reports.
//
// It owns the process: Run starts ffmpeg with -progress on a pipe,
// turns each progress block into a Progress value for the caller, keeps
// the tail of stderr for the error message, and kills ffmpeg when the
// context ends. On Linux the child also gets SIGKILL when the controller
// dies (Pdeathsig), so a crashed controller leaves no orphan encoder
// writing into its work directory. A caller that reads ffmpeg's output
// itself (raw frames for an analysis) sets Cmd.Stdout; progress then
// comes on descriptor 3 instead of stdout.
//
// ParseProgress (the -progress key=value protocol) is a separate, fuzzed
// function. Imports: standard library only. transcode and qc import it;
// it knows nothing about ladders or checks.
package ffmpeg
