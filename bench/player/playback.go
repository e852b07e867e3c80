package player

import (
	"context"
	"time"
)

// playback models the player's buffer: media time downloaded minus media
// time played. Playback starts with the first segment and drains at
// Speed × real time; when the buffer runs dry the player stalls (a
// rebuffer event) until the next segment lands.
type playback struct {
	speed    float64
	target   time.Duration
	started  bool
	playedAt time.Time     // real time at which buffer was last updated
	buffer   time.Duration // media time buffered at playedAt
	stalled  bool
}

func newPlayback(speed float64, target time.Duration) *playback {
	return &playback{speed: speed, target: target}
}

// drain advances the play head to now.
func (p *playback) drain(s *Session) {
	if !p.started || p.speed == 0 {
		return
	}
	now := time.Now()
	played := time.Duration(float64(now.Sub(p.playedAt)) * p.speed)
	if played > p.buffer {
		if !p.stalled {
			s.Rebuffers++
			p.stalled = true
		}
		s.Stalled += time.Duration(float64(played-p.buffer) / p.speed)
		played = p.buffer
	}
	p.buffer -= played
	p.playedAt = now
}

// add records a downloaded segment.
func (p *playback) add(d time.Duration, s *Session) {
	p.drain(s)
	p.buffer += d
	p.stalled = false
	if !p.started {
		p.started, p.playedAt = true, time.Now()
	}
}

// waitForRoom waits until the buffer is below its target (never in
// as-fast-as-possible mode).
func (p *playback) waitForRoom(ctx context.Context) error {
	if !p.started || p.speed == 0 {
		return ctx.Err()
	}
	excess := p.buffer - time.Duration(float64(time.Since(p.playedAt))*p.speed) - p.target
	if excess <= 0 {
		return ctx.Err()
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Duration(float64(excess) / p.speed)):
		return nil
	}
}
