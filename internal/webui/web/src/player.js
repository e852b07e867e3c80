// The player page: search the catalog, ask steering for a title, play it
// with hls.js, and show which node and tier served every segment. When a
// request fails on a node, the loader retries it at once on the next URL
// of steering's ranked answer and keeps using that one. A title in cold
// storage answers 503 with Retry-After on every node (the origin is
// restoring it): the page says "restoring, retry in N s" and asks the
// same URL again after N s (or at once with "Retry now"), no failover.
// The page also plays DASH with dash.js (?fmt=dash or the switch), has
// a subtitles menu, thumbnails on the seek bar, "Skip intro" and a
// "Next" hint from the title's markers, and its viewer warnings.
import Hls from 'hls.js';
import { $, h, getJSON, fmtBytes, fmtTime } from './dom.js';
import { startDash, setDashText } from './dashplay.js';
import { bindSeekbar, clearThumbs, loadThumbs, renderSeekbar } from './seekbar.js';
import { bindMarkers, renderMarkers, warn } from './markers.js';

// state is the page's model; tests and curious operators read it as
// window.vodedgePlayer.
const state = {
  title: null,
  steer: null, // steering's answer for the master playlist
  candidates: [], // [{rank, url, prefix, node, site, dead}]
  current: 0, // index of the candidate in use
  segments: [], // one per loaded fragment
  failovers: [], // {from, to, at, url, why}
  restoring: null, // {url, retry_after, until} while the title is being restored
  error: '',
  format: 'hls', // or 'dash'
  subtitles: [], // [{id, lang, name}] of the player in use
  subtitle: -1, // the one showing
};
window.vodedgePlayer = state;

let config = { steer_url: '' };
let hls = null;
let dash = null;
let listed = []; // the catalog as last searched, for "Next"
let plays = 0; // counts steerAndStart calls: a stale 'playing' is ignored

// prefixOf is the part of a ranked URL that every file of the title
// shares: the URL up to and including the master playlist's directory
// (steering's path token, /_vt/TOKEN/, covers that directory).
function prefixOf(url) {
  return url.slice(0, url.lastIndexOf('/') + 1);
}

function candidateOf(url) {
  let best = -1;
  state.candidates.forEach((c, i) => {
    if (url.startsWith(c.prefix) && (best < 0 || c.prefix.length > state.candidates[best].prefix.length)) best = i;
  });
  return best;
}

// onCurrent moves a URL onto the candidate in use.
function onCurrent(url) {
  const i = candidateOf(url);
  if (i < 0 || i === state.current) return url;
  return state.candidates[state.current].prefix + url.slice(state.candidates[i].prefix.length);
}

// failover marks the candidate that served url dead and moves on; it
// reports whether there is a candidate left to try.
function failover(url, why) {
  const i = candidateOf(url);
  if (i >= 0 && !state.candidates[i].dead) {
    state.candidates[i].dead = true;
    let next = state.current;
    while (next < state.candidates.length && state.candidates[next].dead) next++;
    if (next < state.candidates.length) {
      state.failovers.push({
        from: state.candidates[i].node || 'origin', to: state.candidates[next].node || 'origin',
        at: video().currentTime, url, why,
      });
      state.current = next;
    }
    renderURLs();
  }
  return state.candidates.some((c) => !c.dead);
}

// retriable says whether a failed request may succeed on another node:
// no answer at all, a server error, or a timeout. A 404 is final.
function retriable(code) {
  return code === 0 || code >= 500 || code === undefined;
}

// retryAfter is the wait in seconds a 503 asks for (its Retry-After:
// seconds or an HTTP date), 0 for any other answer.
function retryAfter(code, xhr) {
  if (code !== 503 || !xhr || !xhr.getResponseHeader) return 0;
  const v = (xhr.getResponseHeader('Retry-After') || '').trim();
  if (/^[0-9]+$/.test(v)) return Math.max(1, Math.min(Number(v), 3600));
  const at = Date.parse(v);
  return Number.isNaN(at) ? 0 : Math.max(1, Math.min(Math.ceil((at - Date.now()) / 1000), 3600));
}

// noRetryOn503 keeps hls.js's own loader from retrying a 503 after a
// second: the answer comes to onError, which honours its Retry-After.
function noRetryOn503(loadCfg) {
  const policy = loadCfg && loadCfg.loadPolicy;
  if (!policy || !policy.errorRetry) return loadCfg;
  const inner = policy.errorRetry.shouldRetry;
  const shouldRetry = (cfg, count, timeout, resp, retry) => {
    if (resp && resp.code === 503) return false;
    return inner ? inner(cfg, count, timeout, resp, retry) : retry;
  };
  return { ...loadCfg, loadPolicy: { ...policy, errorRetry: { ...policy.errorRetry, shouldRetry } } };
}

// pending are the loads waiting for a restore: retryNow runs them.
let pending = [];

// restoring shows the restore and schedules again() after secs.
function restoring(url, secs, again) {
  state.restoring = { url, retry_after: secs, until: Date.now() + secs * 1000 };
  const timer = setTimeout(() => {
    pending = pending.filter((p) => p.timer !== timer);
    again();
  }, secs * 1000);
  pending.push({ timer, again });
  renderRestoring();
}

function retryNow() {
  const now = pending;
  pending = [];
  now.forEach((p) => { clearTimeout(p.timer); p.again(); });
}

function restored() {
  if (!state.restoring) return;
  state.restoring = null;
  renderRestoring();
}

function renderRestoring() {
  const r = state.restoring;
  $('#restoring').hidden = !r;
  if (r) $('#restoring-text').textContent = `restoring, retry in ${Math.max(0, Math.ceil((r.until - Date.now()) / 1000))} s`;
}

// FailoverLoader wraps hls.js's loader: each attempt gets a fresh inner
// loader (a loader is used once), pointed at the candidate in use.
class FailoverLoader {
  constructor(cfg) {
    this.cfg = cfg;
    this.inner = new Hls.DefaultConfig.loader(cfg);
  }
  get stats() { return this.inner.stats; }
  get context() { return this.inner.context; }
  destroy() { this.inner.destroy(); }
  abort() { this.inner.abort(); }
  getCacheAge() { return this.inner.getCacheAge ? this.inner.getCacheAge() : null; }
  getResponseHeader(name) { return this.inner.getResponseHeader ? this.inner.getResponseHeader(name) : null; }
  load(context, loadCfgIn, callbacks) {
    const loadCfg = noRetryOn503(loadCfgIn);
    const retry = (why) => {
      if (!failover(context.url, why)) return false;
      this.inner.destroy();
      this.inner = new Hls.DefaultConfig.loader(this.cfg);
      attempt();
      return true;
    };
    const attempt = () => {
      context.url = onCurrent(context.url);
      this.inner.load(context, loadCfg, {
        ...callbacks,
        onSuccess: (...args) => {
          restored();
          callbacks.onSuccess(...args);
        },
        onError: (err, ctx, details, stats) => {
          const wait = retryAfter(err.code, details);
          if (wait > 0) {
            restoring(context.url, wait, () => {
              this.inner.destroy();
              this.inner = new Hls.DefaultConfig.loader(this.cfg);
              attempt();
            });
            return;
          }
          if (!retriable(err.code) || !retry(`HTTP ${err.code || 'no answer'}`)) callbacks.onError(err, ctx, details, stats);
        },
        onTimeout: (stats, ctx, details) => {
          if (!retry('timeout')) callbacks.onTimeout(stats, ctx, details);
        },
      });
    };
    attempt();
  }
}

function video() { return $('#video'); }

async function search(q) {
  const list = $('#titles');
  list.replaceChildren(h('li', { class: 'muted' }, 'searching…'));
  try {
    const titles = await getJSON('../api/titles?q=' + encodeURIComponent(q));
    listed = titles;
    list.replaceChildren(...titles.map((t) => h('li', {},
      h('button', { class: 'title', 'data-id': t.id, onclick: () => play(t) },
        h('strong', {}, t.title),
        h('span', { class: 'muted' }, ` ${fmtTime(t.duration_ms / 1000)}${t.year ? ' · ' + t.year : ''}`),
        t.tags && t.tags.length ? h('span', { class: 'tags' }, t.tags.join(', ')) : '',
      ))));
    if (!titles.length) list.replaceChildren(h('li', { class: 'muted' }, 'no title matches'));
  } catch (e) {
    list.replaceChildren(h('li', { class: 'error' }, String(e)));
  }
}

function play(t) {
  state.title = t;
  $('#now').textContent = t.title;
  warn(t, () => steerAndStart(t));
}

function reset() {
  state.segments = [];
  state.failovers = [];
  state.error = '';
  state.subtitles = [];
  state.subtitle = -1;
  state.skipped = null;
  clearThumbs(state);
  pending.forEach((p) => clearTimeout(p.timer));
  pending = [];
  restored();
  $('#error').textContent = '';
  renderSubtitles();
  renderSegments();
}

async function steerAndStart(t) {
  reset();
  state.format = $('#fmt').value;
  const file = state.format === 'dash' ? t.dash : t.master;
  if (!config.steer_url) {
    fail('no steering URL configured (the controller needs --ui-steer-url)');
    return;
  }
  if (!file) {
    fail(`this title has no ${state.format.toUpperCase()} manifest`);
    return;
  }
  try {
    const r = await fetch(config.steer_url + '/v1/steer?file=' + encodeURIComponent(file));
    const body = await r.json();
    state.steer = body;
    const a = body.answers && body.answers[0];
    if (!a || !a.urls || !a.urls.length) throw new Error('steering has no URL: ' + (body.error || (a && a.outcome)));
    state.candidates = a.urls.map((u) => ({ ...u, prefix: prefixOf(u.url), dead: false }));
    state.current = 0;
  } catch (e) {
    fail('steering: ' + e.message);
    return;
  }
  renderURLs();
  // The thumbnail track waits for playback: the manifest's request is
  // the one that meets a cold title (and starts its restore).
  const run = ++plays;
  video().addEventListener('playing', () => {
    if (run === plays) loadThumbs(onTitle(t.thumbnails), state);
  }, { once: true });
  start(state.candidates[0].url);
}

// onTitle is a node's URL of a file of the title in play (a path of
// /titles/ID/…): the candidate in use's prefix covers the title's files.
function onTitle(path) {
  const c = state.candidates[state.current];
  const base = state.format === 'dash' ? state.title.dash : state.title.master;
  if (!path || !c || !base) return '';
  const dir = base.slice(0, base.lastIndexOf('/') + 1);
  return path.startsWith(dir) ? c.prefix + path.slice(dir.length) : '';
}

function stopPlayers() {
  if (hls) hls.destroy();
  if (dash) dash.destroy();
  hls = null;
  dash = null;
}

function start(url) {
  stopPlayers();
  if (state.format === 'dash') {
    dash = startDash(video(), url, {
      fragment: recordDash, error: fail,
      textTracks: (tracks) => { state.subtitles = tracks; renderSubtitles(); },
    });
    return;
  }
  startHLS(url);
}

function startHLS(url) {
  if (!Hls.isSupported()) {
    fail('this browser has no Media Source Extensions: hls.js cannot play');
    return;
  }
  hls = new Hls({ loader: FailoverLoader, enableWorker: false, maxBufferLength: 10, maxMaxBufferLength: 20 });
  hls.on(Hls.Events.FRAG_LOADED, (_, data) => record(data));
  hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, (_, data) => {
    state.subtitles = data.subtitleTracks.map((t) => ({ id: t.id, lang: t.lang, name: t.name }));
    renderSubtitles();
  });
  hls.on(Hls.Events.ERROR, (_, data) => {
    if (!data.fatal) return;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
      hls.recoverMediaError();
      return;
    }
    fail(`${data.type}: ${data.details}`);
  });
  hls.subtitleDisplay = false;
  hls.loadSource(url);
  hls.attachMedia(video());
  hls.on(Hls.Events.MANIFEST_PARSED, () => video().play().catch((e) => fail('play: ' + e.message)));
}

// chooseSubtitle shows track id (-1: off) in the browser's text track
// display.
function chooseSubtitle(id) {
  state.subtitle = id;
  if (hls) {
    hls.subtitleTrack = id;
    hls.subtitleDisplay = id >= 0;
  }
  if (dash) setDashText(dash, id);
}

function renderSubtitles() {
  const sel = $('#subs');
  sel.replaceChildren(h('option', { value: '-1' }, 'Subtitles off'),
    ...state.subtitles.map((t) => h('option', { value: String(t.id), 'data-lang': t.lang || '' }, t.name || t.lang || `track ${t.id}`)));
  sel.value = String(state.subtitle);
  sel.disabled = !state.subtitles.length;
}

// recordDash notes a DASH fragment; dash.js does not hand over the
// response headers, so the node is the candidate whose URL it was.
function recordDash(f) {
  const url = new URL(f.url);
  const parts = url.pathname.split('/');
  const i = candidateOf(f.url);
  state.segments.push({
    sn: f.sn, type: f.type, rendition: parts[parts.length - 2] || '',
    node: (i >= 0 && state.candidates[i].node) || url.host, tier: '(dash)',
    bytes: f.bytes, ms: Math.round(f.ms || 0), host: url.host,
  });
  renderSegments();
}

// record notes which node and tier served a fragment (the edges expose
// X-Served-By and X-Cache to pages on other origins).
function record(data) {
  const f = data.frag;
  const xhr = data.networkDetails;
  const hdr = (n) => (xhr && xhr.getResponseHeader ? xhr.getResponseHeader(n) : null);
  const url = new URL(f.url);
  const parts = url.pathname.split('/');
  const i = candidateOf(f.url);
  state.segments.push({
    sn: f.sn === 'initSegment' ? 'init' : f.sn,
    type: f.type,
    rendition: parts[parts.length - 2] || '',
    node: hdr('X-Served-By') || (i >= 0 && state.candidates[i].node) || url.host,
    tier: hdr('X-Cache') || '(origin)',
    bytes: f.stats.loaded,
    ms: Math.round(f.stats.loading.end - f.stats.loading.start),
    host: url.host,
  });
  renderSegments();
}

function fail(msg) {
  state.error = msg;
  $('#error').textContent = msg;
}

function renderURLs() {
  $('#urls').replaceChildren(...state.candidates.map((c, i) => h('li', { class: c.dead ? 'dead' : i === state.current ? 'current' : '' },
    h('strong', {}, c.node || 'origin'), ` ${c.site ? 'site ' + c.site + ' · ' : ''}${c.reason} `,
    h('code', {}, c.url),
    c.dead ? h('span', { class: 'badge ERROR' }, 'failed') : i === state.current ? h('span', { class: 'badge OK' }, 'in use') : '')));
  const fo = $('#failovers');
  fo.replaceChildren(...state.failovers.map((f) => h('li', {}, `at ${f.at.toFixed(1)} s: ${f.from} → ${f.to} (${f.why})`)));
}

function renderSegments() {
  const rows = state.segments.slice(-40).reverse().map((s) => h('tr', {},
    h('td', {}, String(s.sn)), h('td', {}, s.rendition), h('td', {}, s.node),
    h('td', {}, h('span', { class: 'tier ' + s.tier }, s.tier)), h('td', { class: 'num' }, fmtBytes(s.bytes)),
    h('td', { class: 'num' }, String(s.ms)), h('td', {}, s.host)));
  $('#segs tbody').replaceChildren(...rows);
  const by = {};
  state.segments.forEach((s) => { by[s.node] = (by[s.node] || 0) + 1; });
  $('#bynode').textContent = Object.entries(by).map(([n, c]) => `${n}: ${c}`).join(' · ');
}

// nextTitle is the title after the one in play in the catalog list.
function nextTitle() {
  const i = listed.findIndex((t) => state.title && t.id === state.title.id);
  return i >= 0 && listed.length > 1 ? listed[(i + 1) % listed.length] : null;
}

function tick() {
  renderRestoring();
  const v = video();
  renderSeekbar(v);
  renderMarkers(v, state, nextTitle());
  let ahead = 0;
  for (let i = 0; i < v.buffered.length; i++) {
    if (v.buffered.start(i) <= v.currentTime && v.currentTime <= v.buffered.end(i)) ahead = v.buffered.end(i) - v.currentTime;
  }
  const c = state.candidates[state.current];
  $('#stats').textContent = state.title
    ? `${fmtTime(v.currentTime)} / ${fmtTime(v.duration || 0)} · buffer ${ahead.toFixed(1)} s · from ${c ? c.node || 'origin' : '-'}` +
      (hls && hls.currentLevel >= 0 && hls.levels[hls.currentLevel] ? ` · ${hls.levels[hls.currentLevel].height}p` : '') +
      ` · ${state.format.toUpperCase()}`
    : '';
}

async function init() {
  try {
    config = await getJSON('../api/config');
  } catch (e) {
    fail('config: ' + e.message);
  }
  $('#retry-now').addEventListener('click', retryNow);
  $('#search').addEventListener('submit', (e) => {
    e.preventDefault();
    search($('#q').value);
  });
  const params = new URLSearchParams(location.search);
  $('#fmt').value = params.get('fmt') === 'dash' ? 'dash' : 'hls';
  $('#fmt').addEventListener('change', () => { if (state.title) play(state.title); });
  $('#subs').addEventListener('change', (e) => chooseSubtitle(Number(e.target.value)));
  bindSeekbar(video(), state);
  bindMarkers(video(), state);
  renderSubtitles();
  setInterval(tick, 250);
  await search('');
  const id = params.get('id');
  const t = id && listed.find((x) => x.id === id);
  if (t) play(t);
  else if (id) fail(`no published title ${id}`);
}

init();
