// The seek bar under the video: click to seek, hover for the sprite tile
// of the hovered time (the title's WebVTT thumbnail track).
import { $ } from './dom.js';
import { parseThumbs, thumbAt } from './thumbs.js';

let cues = [];
let shown = null; // the cue on show, for tests: window.vodedgePlayer.thumb

// clearThumbs forgets the last title's track.
export function clearThumbs(state) {
  cues = [];
  state.thumbs = null;
  state.thumb = null;
}

// loadThumbs fetches the track at url (a node's URL of the title's
// art/thumbs.vtt); without it the bar still seeks.
export async function loadThumbs(url, state) {
  cues = [];
  state.thumbs = { url, cues: 0, error: '' };
  if (!url) return;
  try {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    cues = parseThumbs(await r.text(), r.url || url);
    state.thumbs.cues = cues.length;
  } catch (e) {
    state.thumbs.error = String(e.message || e);
  }
}

function timeAt(ev, video) {
  const box = $('#seek').getBoundingClientRect();
  const frac = Math.min(1, Math.max(0, (ev.clientX - box.left) / box.width));
  return { frac, t: frac * (video.duration || 0), x: ev.clientX - box.left };
}

function hover(ev, video, state) {
  const { t, x } = timeAt(ev, video);
  const c = thumbAt(cues, t);
  const box = $('#thumb');
  if (!c) {
    box.hidden = true;
    return;
  }
  const img = $('#thumb-img');
  if (img.getAttribute('src') !== c.url) img.src = c.url;
  img.style.left = `${-c.x}px`;
  img.style.top = `${-c.y}px`;
  box.style.width = `${c.w}px`;
  box.style.height = `${c.h}px`;
  box.style.left = `${Math.max(0, x - c.w / 2)}px`;
  box.hidden = false;
  shown = c;
  state.thumb = { time: t, url: c.url, x: c.x, y: c.y };
}

// bindSeekbar wires the bar once; tick() calls renderSeekbar.
export function bindSeekbar(video, state) {
  const bar = $('#seek');
  bar.addEventListener('mousemove', (ev) => hover(ev, video, state));
  bar.addEventListener('mouseleave', () => { $('#thumb').hidden = true; shown = null; });
  bar.addEventListener('click', (ev) => {
    if (video.duration) video.currentTime = timeAt(ev, video).t;
  });
}

export function renderSeekbar(video) {
  const frac = video.duration ? video.currentTime / video.duration : 0;
  $('#seek-fill').style.width = `${(100 * frac).toFixed(2)}%`;
  return shown;
}
