// Package pipeline runs persisted job graphs: each job is a set of named
// steps with dependencies (for a title: probe → [transcode renditions ∥
// qc] → package → publish), each step a function looked up by its kind.
//
// It owns scheduling and the durable record of it, and nothing about
// video: the controller registers the step functions. What it guarantees:
//
//   - Persistence: every state change of a step is written to Pebble
//     (origin/kv, synced) before anything depends on it. A step is Done
//     only once its result is on disk, so after a crash or restart Done
//     steps are never run again; steps that were Running are put back to
//     Pending and run again from the start (step functions must be
//     idempotent: write to a temporary place, rename at the end).
//   - Bounded parallelism: at most Config.Workers steps run at once, in
//     job order then step order (default: one per CPU, since a step is
//     usually an ffmpeg encode that saturates a core or more).
//   - Retries: a failed step is retried with exponential backoff up to
//     Config.MaxAttempts; errors marked Permanent fail at once.
//   - Hold: a step that returns an error wrapping ErrHold (the publish
//     step when quality checks failed) waits in Held until Release.
//   - Cancellation: Cancel stops a job's running steps (their context is
//     cancelled, which kills ffmpeg) and cancels the rest; Retry resumes
//     failed or cancelled steps.
//
// Concurrency: one goroutine (the loop) owns the jobs and is the only
// writer to the store, so writes happen in order and no lock is held
// across I/O. Workers report back through a channel sized so that they
// never block. Readers (Get, List) see immutable snapshots published by
// the loop under a mutex; progress of running steps lives beside them,
// updated by the workers without going through the loop.
//
// Imports: origin/kv (the store) and Prometheus (metrics on the injected
// registerer).
package pipeline
