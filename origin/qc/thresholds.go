package qc

import (
	"errors"
	"fmt"
	"time"
)

// ErrConfig wraps bad thresholds.
var ErrConfig = errors.New("qc: bad thresholds")

// Thresholds decide severities. A stretch at least Warn long is a
// warning, at least Fail long an error (a Fail of 0 never fails).
type Thresholds struct {
	BlackWarn, BlackFail     time.Duration
	FreezeWarn, FreezeFail   time.Duration
	SilenceWarn, SilenceFail time.Duration
	// BlackPixel is blackdetect's pixel threshold (0..1), FreezeNoise
	// freezedetect's noise tolerance and SilenceNoise silencedetect's
	// level, both in dB.
	BlackPixel   float64
	FreezeNoise  float64
	SilenceNoise float64
	// Integrated loudness outside [LoudnessMin, LoudnessMax] LUFS is an
	// error; outside [LoudnessWarnMin, LoudnessWarnMax] a warning.
	LoudnessMin, LoudnessMax         float64
	LoudnessWarnMin, LoudnessWarnMax float64
	// TruePeakMax in dBTP: above it is a warning (clipping risk).
	TruePeakMax float64
	// DurationTolerance: a rendition whose length differs from the
	// source's by more is an error; source audio and video streams whose
	// lengths differ by more, a warning.
	DurationTolerance time.Duration
	// EdgeGrace: stretches within this distance of the start or end are
	// fades: at most a warning.
	EdgeGrace time.Duration
	// Flashes says what flashing above FlashesPerSecond (general or
	// red, over at least FlashArea of the screen) does: hold the title
	// (an error), warn (a warning, and the controller adds a viewer
	// warning to the title) or nothing (off: not analyzed).
	Flashes          FlashAction
	FlashesPerSecond float64
	FlashArea        float64
}

// FlashAction is what photosensitive flashing does to a title.
type FlashAction string

// Flash actions.
const (
	FlashHold FlashAction = "hold"
	FlashWarn FlashAction = "warn"
	FlashOff  FlashAction = "off"
)

// DefaultThresholds suit feature content: short black or silent
// stretches are normal (scene changes, pauses), long ones are not.
func DefaultThresholds() Thresholds {
	return Thresholds{
		BlackWarn: 2 * time.Second, BlackFail: 10 * time.Second,
		FreezeWarn: 5 * time.Second, FreezeFail: 20 * time.Second,
		SilenceWarn: 10 * time.Second, SilenceFail: 60 * time.Second,
		BlackPixel: 0.10, FreezeNoise: -60, SilenceNoise: -50,
		LoudnessMin: -45, LoudnessMax: -5, LoudnessWarnMin: -28, LoudnessWarnMax: -14,
		TruePeakMax:       -1,
		DurationTolerance: time.Second,
		EdgeGrace:         time.Second,
		Flashes:           FlashHold, FlashesPerSecond: 3, FlashArea: 0.25,
	}
}

// Validate checks t.
func (t Thresholds) Validate() error {
	pairs := [][2]time.Duration{{t.BlackWarn, t.BlackFail}, {t.FreezeWarn, t.FreezeFail}, {t.SilenceWarn, t.SilenceFail}}
	for _, p := range pairs {
		if p[0] <= 0 || (p[1] != 0 && p[1] < p[0]) {
			return fmt.Errorf("%w: warn %v / fail %v: warn must be positive and not above fail", ErrConfig, p[0], p[1])
		}
	}
	switch {
	case t.BlackPixel <= 0 || t.BlackPixel >= 1:
		return fmt.Errorf("%w: black pixel threshold %v: want (0, 1)", ErrConfig, t.BlackPixel)
	case t.LoudnessMin >= t.LoudnessMax || t.LoudnessWarnMin > t.LoudnessWarnMax:
		return fmt.Errorf("%w: loudness bounds", ErrConfig)
	case t.DurationTolerance <= 0:
		return fmt.Errorf("%w: duration tolerance %v", ErrConfig, t.DurationTolerance)
	}
	return t.validateFlashes()
}

func (t Thresholds) validateFlashes() error {
	switch {
	case t.Flashes != FlashHold && t.Flashes != FlashWarn && t.Flashes != FlashOff:
		return fmt.Errorf("%w: flash action %q: want hold, warn or off", ErrConfig, t.Flashes)
	case t.Flashes != FlashOff && (t.FlashesPerSecond <= 0 || t.FlashArea <= 0 || t.FlashArea > 1):
		return fmt.Errorf("%w: flash limit %v a second over %v of the screen: want a positive limit and an area in (0, 1]", ErrConfig, t.FlashesPerSecond, t.FlashArea)
	}
	return nil
}

// stretch rates a stretch of [start, end) seconds in a total-second
// long input.
func (t Thresholds) stretch(warn, fail time.Duration, start, end, total float64) (Severity, bool) {
	d := time.Duration((end - start) * float64(time.Second))
	if d < warn {
		return Info, false
	}
	grace := t.EdgeGrace.Seconds()
	atEdge := start <= grace || (total > 0 && end >= total-grace)
	if fail > 0 && d >= fail && !atEdge {
		return Error, true
	}
	return Warning, true
}
