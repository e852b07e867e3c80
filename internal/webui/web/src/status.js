// The operator status page: every node of every site with its state
// (OK / WARN / ERROR, the worst of its components), its figures, and what
// steering sees and decides per site. It polls ../api/status.
import { $, h, getJSON, fmtBytes, fmtBits, pct } from './dom.js';

const POLL_MS = 2000;
let snapshot = null;
window.vodedgeStatus = () => snapshot; // for tests

function badge(level) {
  return h('span', { class: 'badge ' + level }, level);
}

// bar is a stacked bar of shares (each {v, cls, label}).
function bar(parts) {
  const el = h('div', { class: 'bar' });
  for (const p of parts) {
    const seg = h('span', { class: p.cls, title: `${p.label} ${pct(p.v)}` });
    seg.style.width = `${Math.max(0, Math.min(1, p.v)) * 100}%`;
    el.append(seg);
  }
  return el;
}

function hitRatio(n) {
  const r = n.hit_ratio || {};
  const has = Object.keys(r).length > 0;
  if (!has) return h('span', { class: 'muted' }, 'no traffic');
  return h('div', {},
    bar([{ v: r['HIT-RAM'] || 0, cls: 'ram', label: 'RAM' }, { v: r['HIT-DISK'] || 0, cls: 'disk', label: 'disk' }, { v: r.MISS || 0, cls: 'miss', label: 'miss' }]),
    h('small', {}, `RAM ${pct(r['HIT-RAM'])} · disk ${pct(r['HIT-DISK'])} · miss ${pct(r.MISS)}`));
}

function diskUse(n) {
  const d = n.disk || {};
  if (!d.capacity) return h('span', { class: 'muted' }, 'off');
  return h('div', {},
    bar([{ v: d.bytes / d.capacity, cls: 'used', label: 'used' }]),
    h('small', {}, `${fmtBytes(d.bytes)} of ${fmtBytes(d.capacity)} · ${d.objects} objects`),
    diskStates(d.disks));
}

// diskStates shows each disk of a node with several, by state.
function diskStates(disks) {
  const names = Object.keys(disks || {}).sort();
  if (names.length < 2) return '';
  return h('div', { class: 'disks' }, ...names.map((name) =>
    h('span', { class: 'pill ' + (disks[name] === 'serving' ? 'OK' : 'WARN'), 'data-disk': name }, `${name}: ${disks[name]}`)));
}

function fillProgress(n) {
  const f = n.fill;
  if (!f) return h('span', { class: 'muted' }, 'no fill agent');
  const frac = f.bytes ? f.bytes_done / f.bytes : 1;
  return h('div', {},
    bar([{ v: frac, cls: 'fill', label: 'filled' }]),
    h('small', {}, `${f.state} · v${f.version} · ${f.files_done}/${f.files} files · ${fmtBytes(f.bytes_done)}/${fmtBytes(f.bytes)}` +
      (f.files_failed ? ` · ${f.files_failed} failed` : '') + ` · window ${f.window}${f.window_open ? ' (open)' : ''}`));
}

async function control(name, op) {
  try {
    await getJSON(`../api/nodes/${encodeURIComponent(name)}/${op}`, { method: 'POST' });
  } catch (e) {
    alert(`${op} ${name}: ${e.message}`);
  }
  setTimeout(refresh, 300);
}

function nodeRow(n, controls) {
  const dash = () => h('span', { class: 'muted' }, '—');
  return h('tr', { class: 'node', 'data-name': n.name, 'data-state': n.state },
    h('td', {}, h('strong', {}, n.name), h('br'), h('small', { class: 'muted' }, n.url || n.admin)),
    h('td', {}, badge(n.state)),
    h('td', {}, n.cluster, h('br'), h('small', { class: 'muted' }, n.members ? `sees ${n.sees}/${n.members}` : '')),
    h('td', { class: 'num' }, fmtBits(n.egress_bps), h('br'), h('small', { class: 'muted' }, `load ${pct(n.load)}`)),
    h('td', {}, n.reachable ? hitRatio(n) : dash()),
    h('td', {}, n.reachable ? diskUse(n) : dash()),
    h('td', {}, n.reachable ? fillProgress(n) : dash()),
    h('td', { class: 'problems' }, n.problems.length
      ? h('ul', {}, ...n.problems.map((p) => h('li', { class: p.level }, `${p.component}: ${p.message}`)))
      : h('span', { class: 'muted' }, '—')),
    controls ? h('td', {},
      h('button', { onclick: () => control(n.name, 'stop'), disabled: n.state === 'ERROR' }, 'stop'), ' ',
      h('button', { onclick: () => control(n.name, 'start'), disabled: n.state !== 'ERROR' }, 'start')) : '');
}

function steeringBlock(site) {
  const s = site.steering;
  if (!s) return h('p', { class: 'muted' }, 'steering: not configured or not answering');
  const o = s.outcomes || {};
  const total = Object.values(o).reduce((a, b) => a + b, 0);
  const share = (k) => (total ? ` (${pct((o[k] || 0) / total)})` : '');
  return h('div', { class: 'steering' },
    h('h3', {}, 'Steering'),
    h('p', {}, 'decisions with this site first: ',
      h('strong', {}, String(total)), ` · best ${o.best || 0}${share('best')}`,
      ` · health misses ${o.health_miss || 0}${share('health_miss')}`,
      ` · content misses ${o.content_miss || 0}${share('content_miss')}`,
      ` · origin ${o.origin || 0} · none ${o.none || 0}`),
    h('p', {}, 'nodes as steering sees them: ', ...Object.entries(s.nodes).sort().map(([n, st]) =>
      h('span', { class: 'pill ' + (st === 'ok' ? 'OK' : 'WARN') }, `${n}: ${st}`))),
    h('p', { class: 'muted' }, 'nodes passed over (all sites): ' +
      Object.entries(s.passed_over || {}).map(([k, v]) => `${k} ${v}`).join(' · ')));
}

// registryBlock lists the site's nodes in the controller's registry:
// where each came from, whether it is planned, when it last reported.
function registryBlock(site) {
  const nodes = site.registry || [];
  if (!nodes.length) return '';
  const ago = (t) => (t ? `${Math.max(0, Math.round((Date.now() - new Date(t)) / 1000))} s ago` : 'never');
  return h('div', { class: 'registry' },
    h('h3', {}, 'Controller registry'),
    h('table', {},
      h('thead', {}, h('tr', {}, ...['node', 'source', 'planned', 'last report', 'version', 'capacity'].map((t) => h('th', {}, t)))),
      h('tbody', {}, ...nodes.map((n) => h('tr', { class: 'registry-node', 'data-name': n.name, 'data-state': n.state },
        h('td', {}, n.name),
        h('td', {}, n.source),
        h('td', {}, h('span', { class: 'pill ' + (n.state === 'expired' ? 'WARN' : 'OK') }, n.state)),
        h('td', {}, n.last_report ? h('span', { title: n.last_report }, ago(n.last_report)) : h('span', { class: 'muted' }, 'never')),
        h('td', {}, n.version || h('span', { class: 'muted' }, '—')),
        h('td', { class: 'num' }, fmtBytes(n.capacity_bytes)))))));
}

function render(s) {
  const sum = s.summary || {};
  $('#summary').replaceChildren(
    badge('OK'), ` ${sum.OK || 0}  `, badge('WARN'), ` ${sum.WARN || 0}  `, badge('ERROR'), ` ${sum.ERROR || 0}`,
    h('span', { class: 'muted' }, `  · updated ${new Date(s.time).toLocaleTimeString()}`),
    s.steering_error ? h('div', { class: 'error' }, 'steering: ' + s.steering_error) : '',
    s.registry_error ? h('div', { class: 'error' }, 'controller registry: ' + s.registry_error) : '');
  $('#sites').replaceChildren(...s.sites.map((site) => h('section', { class: 'site', 'data-site': site.name },
    h('h2', {}, `Site ${site.name || '(unknown)'} `, badge(site.state),
      site.parents && site.parents.length ? h('small', { class: 'muted parents' }, ` fills from ${site.parents.join(', ')}`) : ''),
    h('table', {},
      h('thead', {}, h('tr', {}, ...['node', 'state', 'cluster', 'egress', 'hit ratio (bytes)', 'disk', 'fill', 'problems']
        .concat(s.controls ? ['demo'] : []).map((t) => h('th', {}, t)))),
      h('tbody', {}, ...site.nodes.map((n) => nodeRow(n, s.controls)))),
    registryBlock(site),
    steeringBlock(site))));
}

async function refresh() {
  try {
    snapshot = await getJSON('../api/status');
    render(snapshot);
    $('#error').textContent = '';
  } catch (e) {
    $('#error').textContent = 'status: ' + e.message;
  }
}

refresh();
setInterval(refresh, POLL_MS);
