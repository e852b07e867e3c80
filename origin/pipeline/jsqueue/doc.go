// Package jsqueue runs pipeline steps on worker processes through a NATS
// JetStream work queue: Queue is the controller's pipeline.Runner,
// Worker is what `vodedge origin worker` runs, and Server is the NATS
// server (with JetStream, stored under the controller's --data) that the
// controller embeds unless it is given an external cluster's URL.
//
// The flow of one step:
//
//   - The engine's loop decides the step is runnable and calls
//     Queue.Run, which gives the dispatch a fresh task ID, starts
//     watching that key of the results bucket ({prefix}_results, a
//     JetStream key-value bucket), subscribes to the task's progress
//     subject, and publishes the task (the job as the engine sees it and
//     the step's name) to the work-queue stream ({prefix}_steps, one
//     durable pull consumer "workers" shared by every worker).
//   - A worker fetches one message per free slot and runs the step
//     function registered for its kind (the same functions the controller
//     registers; the worker builds its Task with pipeline.NewTask). It
//     makes those functions from the settings the task's generation
//     published (below), once per generation. While
//     the step runs it sends an in-progress ack three times per AckWait
//     and publishes the step's progress (at most 4 a second) on core
//     NATS, which Queue.Run passes to the engine, so job progress and
//     `vodedge ingest` progress bars work as with local steps.
//   - The worker records the outcome (result, or error and whether it is
//     permanent or a hold) under the task ID in the results bucket, then
//     acks. Queue.Run sees the record, removes it and returns it to the
//     engine: the controller's loop stays the only writer of job state,
//     which stays in Pebble (origin/pipeline's doc says why).
//   - A worker killed mid-step stops acking: after AckWait JetStream
//     hands the message to another worker, which runs the step from the
//     start (step functions are idempotent). A worker killed after
//     recording but before acking leaves a record: the next worker to
//     get the message acks it without running the step again.
//   - Two runs of one task can overlap: a worker cut off from NATS
//     cannot ack, so its step goes to another worker after AckWait
//     while its ffmpeg goes on. The queue does not prevent that (it
//     cannot reach the cut-off worker); step functions must tolerate
//     it, and the controller's do: each run builds in a temporary
//     directory of its own and swaps it into place at the end, the
//     last to finish wins (origin/controller/rundir.go).
//   - Poison steps: the worker that gets a task's delivery number
//     Config.MaxDeliver+1 (JetStream counts deliveries; default 5)
//     records a failure naming the count instead of running it, so a
//     step that kills every worker it lands on stops after MaxDeliver
//     dead workers; the engine then retries it, under a new task ID
//     and so a new count, up to its MaxAttempts. The consumer's own
//     MaxDeliver stays unbounded so that this last delivery happens.
//     A worker stopped by its owner hands its step back (Nak), which
//     counts as a delivery too.
//   - Reconnects: clients reconnect forever (once a second). A worker
//     that loses the server (the embedded one restarts with the
//     controller) keeps fetching once it is back and sets its watch of
//     the controller's generation up again after every reconnect, so it
//     still stops the steps a restarted controller dispatches anew.
//   - Cancel and shutdown: Queue.Run's context ends; it records a
//     cancellation under the task ID (so a worker that has not taken the
//     message yet skips it) and publishes on the task's cancel subject
//     (so the worker running it stops it and drops the message). A
//     worker subscribes to that subject, and waits until the server has
//     the subscription, before it looks for a record: one of the two
//     always reaches it.
//   - A controller that starts purges the stream: whatever is queued was
//     dispatched by its previous run, whose Running steps it puts back to
//     Pending and dispatches again under new task IDs. It also records a
//     new generation ({prefix}_controller bucket), which every task
//     carries; workers follow it and stop (and drop) the steps of older
//     generations, so a step in progress at a worker when the controller
//     restarted never runs beside its new dispatch (both would write the
//     same work directory).
//   - Settings: with its generation the controller records, first, the
//     steps' settings (Config.Settings, opaque here; for the
//     controller's steps the ladder, codecs, preset, segment and chunk
//     durations, QC thresholds and scanners: controller.StepSettings,
//     versioned). A worker reads them for each generation it sees and
//     builds its step functions with WorkerDeps.Steps, so workers need
//     none of the controller's encoding flags and cannot encode with
//     other ones by mistake. A worker that refuses a generation's
//     settings (from a newer build: a version above its own, a field
//     it does not know) says so in its log at once and fails that
//     generation's steps it gets, permanently, with that reason; the
//     controller's step errors show it. Binaries' paths stay the
//     worker's.
//   - Outcomes across a controller crash: an outcome carries its
//     dispatch's job, step and generation. A worker that finishes a
//     step while NATS is down (the embedded one dies with its
//     controller) keeps trying to record it, once a second, until NATS
//     is back. A starting controller reads the records of earlier
//     generations before its engine dispatches anything, and follows
//     those that come later (leftovers.go): when it dispatches one of
//     those steps again, Queue.Run returns the recorded outcome instead
//     of publishing; when the record comes while the new dispatch is
//     queued or running, Run returns it then and cancels the new
//     dispatch. A worker that gets the new dispatch of a step it
//     recorded for an older generation, whose record is still there,
//     acks it without running. So a finished step is not run again;
//     what remains is a narrow window: another worker taking the new
//     dispatch in the milliseconds between the late record and the
//     controller's cancellation runs it until that cancellation stops
//     it. A step still running when the restarted controller's
//     generation reaches its worker is stopped and run again, as above.
//
// What a step reads and writes must be reachable by every worker; the
// queue carries only the job record. For the controller's steps that is
// its data directory (sources/, work/) and its store; see the pipeline
// doc and `vodedge origin worker -h`.
//
// Imports: origin/pipeline; NATS (nats-server, nats.go).
package jsqueue
