package jsqueue

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/vodedge/vodedge/origin/pipeline"
)

// Names in JetStream and NATS subjects; Config.Prefix keeps two
// controllers on one NATS apart.
const (
	stepsSuffix    = ".steps"    // the work-queue stream's subject
	progressSuffix = ".progress" // .{task}: a worker's progress, core NATS
	cancelSuffix   = ".cancel"   // .{task}: the controller stops a step, core NATS
	consumerName   = "workers"   // the durable pull consumer every worker shares
)

// task is one message of the work queue: a dispatch of one step.
type task struct {
	// ID names this dispatch (a step dispatched again after a
	// controller restart gets a new one); it keys the result.
	ID   string        `json:"id"`
	Job  *pipeline.Job `json:"job"`
	Step string        `json:"step"`
	// Gen is the generation of the controller that dispatched it (see
	// genKey).
	Gen int64 `json:"gen"`
	// MaxDeliver is Config.MaxDeliver: the worker that gets delivery
	// MaxDeliver+1 records a failure instead of running the step.
	// 0 (a task from an older controller) is unbounded.
	MaxDeliver int `json:"max_deliver,omitempty"`
}

// genKey, in the {prefix}_controller bucket, holds the generation of the
// running controller: the time it opened the queue, in Unix
// nanoseconds (or the previous generation + 1 if the clock is behind). A worker drops and stops tasks of older generations: a
// restarted controller dispatches its unfinished steps again, and the
// old dispatch must not run beside the new one (both would write the
// same work directory).
const genKey = "generation"

// settingsKey, in the {prefix}_controller bucket, holds the step
// settings (Config.Settings) of generation gen, written before gen
// itself: a worker that knows a generation can read its settings.
func settingsKey(gen int64) string { return "settings." + strconv.FormatInt(gen, 10) }

// outcome is what a worker records for a task in the results bucket.
type outcome struct {
	Result []byte `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`
	// Class is "permanent", "hold" or "" (retry), how the engine treats
	// Error.
	Class string `json:"class,omitempty"`
	// Job, Step and Gen name the dispatch the outcome is of, so that a
	// restarted controller finds the outcomes of its previous run's
	// dispatches (leftovers.go). Empty in the controller's cancellations.
	Job  string `json:"job,omitempty"`
	Step string `json:"step,omitempty"`
	Gen  int64  `json:"gen,omitempty"`
}

// progress is a worker's report on a running task.
type progress struct {
	Fraction float64 `json:"f"`
	Detail   string  `json:"d,omitempty"`
}

func newTaskID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// outcomeOf turns a step's answer into its record (without the task's
// names: see worker.record).
func outcomeOf(out []byte, err error) outcome {
	switch {
	case err == nil:
		return outcome{Result: out}
	case errors.Is(err, pipeline.ErrHold):
		return outcome{Error: err.Error(), Class: "hold"}
	case errors.Is(err, pipeline.ErrPermanent):
		return outcome{Error: err.Error(), Class: "permanent"}
	}
	return outcome{Error: err.Error()}
}

// answer turns a record back into the step's answer for the engine.
func (o outcome) answer() ([]byte, error) {
	switch {
	case o.Error == "":
		return o.Result, nil
	case o.Class == "hold":
		return nil, fmt.Errorf("%w (on a worker): %s", pipeline.ErrHold, o.Error)
	case o.Class == "permanent":
		return nil, pipeline.Permanent(fmt.Errorf("on a worker: %s", o.Error))
	}
	return nil, fmt.Errorf("jsqueue: on a worker: %s", o.Error)
}
