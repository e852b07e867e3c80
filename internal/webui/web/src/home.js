// The home page: rows of posters (popular here, new releases, one per
// tag) and search as you type.
import { $, h, getJSON } from './dom.js';
import { loadConfig, titles, card } from './browse.js';
import { withPreview } from './preview.js';

let config = { steer_url: '' };
let asked = 0; // the latest search: an older answer arriving late is dropped
let site = ''; // the viewer's site as steering says; '' when unknown

// rows groups the catalog: popularity comes from the controller (plays
// per day), new releases by publish date, then each tag.
export function rows(list) {
  const out = [];
  const popular = list.filter((t) => t.popularity > 0).sort((a, b) => b.popularity - a.popularity);
  if (popular.length) out.push({ name: popularName(list), titles: popular });
  const recent = [...list].sort((a, b) => String(b.published || '').localeCompare(String(a.published || '')));
  if (recent.length) out.push({ name: 'New releases', titles: recent.slice(0, 20) });
  const tags = [...new Set(list.flatMap((t) => t.tags || []))].sort();
  for (const tag of tags) out.push({ name: tag, titles: list.filter((t) => (t.tags || []).includes(tag)) });
  return out;
}

// viewerSite asks steering which site this viewer belongs to (by the
// client's address), so that the popular row ranks titles there; '' when
// no site's prefix matches or steering does not answer within 3 s.
async function viewerSite(cfg) {
  if (!cfg.steer_url) return '';
  try {
    return (await getJSON(cfg.steer_url + '/v1/site', { signal: AbortSignal.timeout(3000) })).site || '';
  } catch {
    return '';
  }
}

// popularName: the titles say where their popularity was counted; the
// ranking is the viewer's site's only when the controller had plays
// there, else it is every site's.
export function popularName(list) {
  return list.some((t) => t.popularity_site) ? 'Popular here' : 'Popular';
}

function row(r) {
  return h('section', { class: 'row', 'data-row': r.name }, h('h3', {}, r.name),
    h('div', { class: 'cards' }, ...r.titles.map(previewCard)));
}

// previewCard is a title's card that plays its preview clip when the
// pointer rests on it (preview.js).
function previewCard(t) {
  return withPreview(config, t, card(config, t));
}

async function show(q) {
  const box = $('#rows');
  const mine = ++asked;
  try {
    const list = await titles(q, q ? '' : site); // the results row shows no popularity
    if (mine !== asked) return;
    if (q) box.replaceChildren(row({ name: `Results for “${q}”`, titles: list }));
    else box.replaceChildren(...rows(list).map(row));
    if (!list.length) box.append(h('p', { class: 'muted' }, q ? 'no title matches' : 'no title is published yet'));
    box.dataset.query = q;
  } catch (e) {
    box.replaceChildren(h('p', { class: 'error' }, String(e)));
  }
}

// debounce waits until typing pauses.
function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

async function init() {
  config = await loadConfig();
  site = await viewerSite(config);
  $('#rows').dataset.site = site;
  const search = debounce((q) => show(q.trim()), 250);
  $('#q').addEventListener('input', (e) => search(e.target.value));
  await show('');
}

init();
