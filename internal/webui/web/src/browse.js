// What the browse pages share: the catalog, the config and poster cards.
import { h, getJSON, fmtTime } from './dom.js';

export async function loadConfig() {
  try {
    return await getJSON('../api/config');
  } catch {
    return { steer_url: '' };
  }
}

// titles: site (the viewer's, optional) ranks popularity there.
export function titles(q, site) {
  return getJSON('../api/titles?q=' + encodeURIComponent(q || '') + (site ? '&site=' + encodeURIComponent(site) : ''));
}

// steered is a file of a title as the browser gets it: steering
// redirects any path to the best node for it.
export function steered(config, path) {
  return config.steer_url && path ? config.steer_url + path : '';
}

export function titleLink(t) {
  return '../title/?id=' + encodeURIComponent(t.id);
}

export function playLink(t, fmt) {
  return '../player/?id=' + encodeURIComponent(t.id) + (fmt === 'dash' ? '&fmt=dash' : '');
}

// card is a title's poster, linking to its page.
export function card(config, t) {
  const src = steered(config, t.poster);
  return h('a', { class: 'card', href: titleLink(t), 'data-id': t.id, title: t.title },
    src ? h('img', { class: 'poster', src, alt: t.title, loading: 'lazy' }) : h('span', { class: 'poster none' }, t.title),
    h('span', { class: 'card-title' }, t.title),
    h('span', { class: 'muted' }, `${t.year || ''} · ${fmtTime(t.duration_ms / 1000)}`));
}
