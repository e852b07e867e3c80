// DASH playback with dash.js: the same steering answer, the segment
// panel from dash.js's fragment events. No node failover on this path:
// dash.js's own retries stay on the URL steering gave first.
import { MediaPlayer } from 'dashjs';

export function startDash(video, url, on) {
  const p = MediaPlayer().create();
  p.updateSettings({ streaming: { buffer: { bufferTimeDefault: 10 } }, debug: { logLevel: 1 } });
  p.on('fragmentLoadingCompleted', (e) => {
    const r = e.request || {};
    if (r.url) on.fragment({ url: r.url, sn: r.type === 'InitializationSegment' ? 'init' : r.index, type: r.mediaType, bytes: r.bytesLoaded || (e.response && e.response.byteLength) || 0, ms: r.requestEndDate && r.firstByteDate ? r.requestEndDate - r.requestStartDate : 0 });
  });
  p.on('error', (e) => on.error('dash.js: ' + JSON.stringify((e && e.error) || e).slice(0, 200)));
  p.on('allTextTracksAdded', () => on.textTracks(p.getTracksFor('text').map((t, i) => ({ id: i, lang: t.lang, name: t.lang }))));
  p.initialize(video, url, true);
  return p;
}

// setDashText shows text track id (-1: none).
export function setDashText(p, id) {
  p.enableText(id >= 0);
  if (id >= 0) p.setTextTrack(id);
}
