// The title page: poster, description, facts, warnings and Play.
import { $, h, fmtTime } from './dom.js';
import { loadConfig, titles, steered, playLink } from './browse.js';
import { withPreview } from './preview.js';

function facts(t) {
  const subs = (t.subtitles || []).map((s) => s.name || s.language).join(', ');
  const items = [
    ['Year', t.year], ['Rating', t.rating], ['Length', fmtTime(t.duration_ms / 1000)],
    ['Languages', (t.languages || []).join(', ')], ['Subtitles', subs], ['Tags', (t.tags || []).join(', ')],
  ];
  return h('dl', { class: 'facts' }, ...items.filter(([, v]) => v).flatMap(([k, v]) => [h('dt', {}, k), h('dd', { 'data-fact': k.toLowerCase() }, String(v))]));
}

function render(config, t) {
  const src = steered(config, t.poster);
  document.title = `vodedge · ${t.title}`;
  $('#title').replaceChildren(
    withPreview(config, t, h('div', { class: 'poster-box', tabindex: 0 },
      src ? h('img', { class: 'poster big', src, alt: t.title }) : h('span', { class: 'poster big none' }, t.title))),
    h('div', { class: 'about' },
      h('h2', {}, t.title),
      t.description ? h('p', { class: 'description' }, t.description) : '',
      facts(t),
      (t.viewer_warnings || []).length ? h('ul', { class: 'warnings' }, ...t.viewer_warnings.map((w) => h('li', {}, w))) : '',
      h('p', {}, h('a', { class: 'play', href: playLink(t) }, '▶ Play'), ' ',
        t.dash ? h('a', { class: 'play-dash', href: playLink(t, 'dash') }, 'Play (DASH)') : '')));
}

async function init() {
  const id = new URLSearchParams(location.search).get('id') || '';
  const [config, list] = await Promise.all([loadConfig(), titles('').catch((e) => e)]);
  if (list instanceof Error) {
    $('#title').replaceChildren(h('p', { class: 'error' }, String(list)));
    return;
  }
  const t = list.find((x) => x.id === id);
  if (!t) {
    $('#title').replaceChildren(h('p', { class: 'error' }, `no published title ${id}`));
    return;
  }
  render(config, t);
}

init();
