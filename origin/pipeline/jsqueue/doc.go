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
//     registers; the worker builds its Task with pipeline.NewTask). While
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
//
// What a step reads and writes must be reachable by every worker; the
// queue carries only the job record. For the controller's steps that is
// its data directory (sources/, work/) and its store; see the pipeline
// doc and `vodedge origin worker -h`.
//
// Imports: origin/pipeline; NATS (nats-server, nats.go).
package jsqueue
