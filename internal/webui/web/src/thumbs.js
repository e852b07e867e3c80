// The WebVTT thumbnail track: each cue's text is a sprite sheet and the
// tile in it, "sprite-000.jpg#xywh=x,y,w,h", relative to the track.

function vttTime(s) {
  const m = /^(?:(\d+):)?(\d{1,2}):(\d{2})\.(\d{3})$/.exec(s.trim());
  if (!m) return NaN;
  return Number(m[1] || 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000;
}

// parseThumbs lists the track's cues as {start, end, url, x, y, w, h};
// a cue it cannot read is skipped.
export function parseThumbs(text, trackURL) {
  const out = [];
  for (const block of text.replace(/\r/g, '').split(/\n\n+/)) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    const at = lines.findIndex((l) => l.includes('-->'));
    if (at < 0 || at + 1 >= lines.length) continue;
    const [a, b] = lines[at].split('-->');
    const start = vttTime(a), end = vttTime((b || '').trim().split(/\s+/)[0]);
    const m = /^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(lines[at + 1].trim());
    if (Number.isNaN(start) || Number.isNaN(end) || !m) continue;
    let url;
    try { url = new URL(m[1], trackURL).href; } catch { continue; }
    out.push({ start, end, url, x: +m[2], y: +m[3], w: +m[4], h: +m[5] });
  }
  return out;
}

// thumbAt is the cue showing time t, or null.
export function thumbAt(cues, t) {
  return cues.find((c) => c.start <= t && t < c.end) || cues.findLast((c) => c.start <= t) || null;
}
