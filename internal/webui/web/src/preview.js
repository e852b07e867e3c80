// Preview clips: when the pointer rests on a poster (restDelay of
// hover) or the poster's box takes keyboard focus, the box plays the
// title's preview clip (an MP4 file: a plain <video> plays it) muted,
// inline and looping in place of the poster; leaving puts the poster
// back and lets the clip go. The clip loads through steering, so from
// the edges, like the poster.
import { h } from './dom.js';
import { steered } from './browse.js';

// restDelay is how long the pointer rests before the clip starts: a
// pointer passing over a row starts nothing.
export const restDelay = 600;

// shown is the preview in play: playing ({id, src}, or null; tests read
// it as window.vodedgePreview.playing) and the box it plays in.
const shown = { playing: null, box: null };
window.vodedgePreview = shown;

// withPreview makes box (a card, or the title page's poster box, holding
// an element of class poster) play t's preview on rest and focus. A
// title without a preview, or a page without steering, keeps its poster.
export function withPreview(config, t, box) {
  const src = steered(config, t.preview);
  if (!src) return box;
  box.dataset.preview = src;
  let timer = null;
  const rest = () => {
    clearTimeout(timer);
    timer = setTimeout(() => play(box, t, src), restDelay);
  };
  const leave = () => {
    clearTimeout(timer);
    stop(box);
  };
  box.addEventListener('pointerenter', rest);
  box.addEventListener('pointerleave', leave);
  box.addEventListener('focus', rest);
  box.addEventListener('blur', leave);
  return box;
}

// play puts a muted, looping video of the clip in place of the poster,
// stopping the clip of any other box: one plays at a time.
function play(box, t, src) {
  const poster = box.querySelector('.poster:not(.preview)');
  if (!box.isConnected || !poster || box.querySelector('video.preview')) return;
  if (shown.box && shown.box !== box) stop(shown.box);
  const v = h('video', { class: poster.className + ' preview', loop: true, playsinline: true, preload: 'auto', 'aria-hidden': 'true' });
  v.muted = true; // the property, not the attribute: a muted attribute added after creation does not mute
  v.addEventListener('error', () => stop(box)); // an unplayable clip: the poster stays
  v.addEventListener('timeupdate', () => { if (!box.isConnected) stop(box); }); // rows re-rendered under the pointer
  v.src = src;
  poster.hidden = true;
  poster.after(v);
  shown.playing = { id: t.id, src };
  shown.box = box;
  v.play().catch(() => {}); // refused by an autoplay policy (rare when muted): the clip's first frame shows
}

// stop removes the clip, releasing its connection, and shows the poster.
function stop(box) {
  const v = box.querySelector('video.preview');
  const poster = box.querySelector('.poster:not(.preview)');
  if (poster) poster.hidden = false;
  if (!v) return;
  v.pause();
  v.removeAttribute('src');
  v.load();
  v.remove();
  if (shown.box === box) {
    shown.playing = null;
    shown.box = null;
  }
}
