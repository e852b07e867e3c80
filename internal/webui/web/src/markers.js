// Markers and warnings: "Skip intro" while playback is in the intro
// (jumps to its end), a "Next" hint from the credits, and the title's
// viewer warnings before play.
import { $, h } from './dom.js';

export function bindMarkers(video, state) {
  $('#skip-intro').addEventListener('click', () => {
    const intro = state.title && state.title.markers && state.title.markers.intro;
    if (!intro) return;
    state.skipped = { from: video.currentTime, to: intro.end };
    video.currentTime = intro.end;
  });
}

// renderMarkers shows or hides the button and the hint for the time.
export function renderMarkers(video, state, next) {
  const m = (state.title && state.title.markers) || {};
  const t = video.currentTime;
  $('#skip-intro').hidden = !(m.intro && t >= m.intro.start && t < m.intro.end);
  const credits = m.credits && t >= m.credits.start;
  $('#next-hint').hidden = !credits;
  if (credits) $('#next-hint').textContent = next ? `Next: ${next.title}` : 'Next: back to the catalog';
}

// warn shows the title's warnings; with any, playback waits for
// "Play anyway" (go is called at once without).
export function warn(t, go) {
  const box = $('#warnings');
  const list = t.viewer_warnings || [];
  box.hidden = !list.length;
  if (!list.length) {
    box.replaceChildren();
    go();
    return;
  }
  box.replaceChildren(h('strong', {}, 'Before you watch:'), h('ul', {}, ...list.map((w) => h('li', {}, w))),
    h('button', { type: 'button', id: 'play-anyway', onclick: () => { box.hidden = true; go(); } }, 'Play anyway'));
}
