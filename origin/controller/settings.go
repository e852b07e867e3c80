package controller

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/vodedge/vodedge/origin/qc"
	"github.com/vodedge/vodedge/origin/transcode"
)

// StepSettingsVersion is the version of StepSettings this build writes
// and the newest it reads. Raise it whenever a change to StepSettings
// (or to what a field means) would make an older worker encode
// differently: an older worker then refuses the settings instead of
// publishing renditions the controller did not ask for.
const StepSettingsVersion = 1

// ErrStepSettings marks settings a worker cannot use (a newer version,
// fields it does not know, values it refuses).
var ErrStepSettings = errors.New("controller: step settings")

// StepSettings are what the queued steps (qc, transcode, chunks, joins)
// need of the controller's configuration. With the NATS engine the
// controller publishes them for each generation and `vodedge origin
// worker` runs its steps with them, so a worker encodes the controller's
// ladder without repeating its flags. The binaries' paths (FFmpeg,
// FFprobe) stay the worker's own and are not carried.
type StepSettings struct {
	Version   int              `json:"version"`
	Transcode transcode.Config `json:"transcode"`
	QC        qc.Thresholds    `json:"qc"`
	Scanners  []string         `json:"scanners,omitempty"`
}

// stepSettings are cfg's settings, as the controller publishes them.
func stepSettings(cfg Config) ([]byte, error) {
	s := StepSettings{Version: StepSettingsVersion, Transcode: cfg.Transcode, QC: cfg.QC, Scanners: cfg.Scanners}
	s.Transcode.FFmpeg = ""
	return json.Marshal(s)
}

// DecodeStepSettings reads settings a controller published. It refuses
// a version above StepSettingsVersion and fields it does not know (a
// newer controller's setting this build would silently ignore), and
// validates the values.
func DecodeStepSettings(b []byte) (StepSettings, error) {
	var v struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return StepSettings{}, fmt.Errorf("%w: %w", ErrStepSettings, err)
	}
	if v.Version < 1 || v.Version > StepSettingsVersion {
		return StepSettings{}, fmt.Errorf("%w: version %d, this build of vodedge understands versions 1 to %d: run the controller's version of vodedge on this worker",
			ErrStepSettings, v.Version, StepSettingsVersion)
	}
	var s StepSettings
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&s); err != nil {
		return StepSettings{}, fmt.Errorf("%w: version %d with a setting this build does not know (%w): run the controller's version of vodedge on this worker",
			ErrStepSettings, v.Version, err)
	}
	if err := validateSteps(&s.Transcode, s.QC, s.Scanners); err != nil {
		return StepSettings{}, fmt.Errorf("%w: %w", ErrStepSettings, err)
	}
	return s, nil
}

// validateSteps checks the settings of the queued steps, filling t's
// zero fields from its defaults: those a controller published
// (DecodeStepSettings) and those a worker runs with, its own flags over
// them (WorkerSteps).
func validateSteps(t *transcode.Config, q qc.Thresholds, scanners []string) error {
	if err := q.Validate(); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	return validScanners(scanners)
}

// Apply puts the settings into cfg, keeping cfg's binaries' paths.
func (s StepSettings) Apply(cfg *Config) {
	ffmpeg := cfg.Transcode.FFmpeg
	cfg.Transcode, cfg.QC, cfg.Scanners = s.Transcode, s.QC, s.Scanners
	cfg.Transcode.FFmpeg = ffmpeg
}
