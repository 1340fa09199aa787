// Service map: services (and the databases, caches and other peers they call) with the calls
// between them over the shared time range, as /api/dependencies answers: an edge per calling and
// called service, from parent/child spans across services plus client calls no server span
// answered. Edges show calls, errors and calls that lost the trace context (dashed). The numbers
// are the API's, weighted by sample_weight, so sampled-away spans are counted too.
import { api, el, emptyState, formatNumber, navigate, rangeQuery, serviceColor, timeRange } from './lib.js';

const NODE_WIDTH = 190, NODE_HEIGHT = 46, COLUMN_GAP = 170, ROW_GAP = 30, MARGIN = 24;

export async function renderMap(container, arg, params, current) {
  container.append(el('h1', {}, 'Service map'));
  const range = new URLSearchParams(rangeQuery(timeRange(params))).toString();
  const graph = await api('/api/dependencies' + (range ? '?' + range : ''));
  if (!current()) return;
  if (graph.services.length === 0) {
    container.append(emptyState('No spans in the selected time range, so no services to draw. Widen the time range (top right).'));
    return;
  }

  // Services with spans in the range, then the peers edges name that have none (databases, caches…).
  const nodes = new Map(graph.services.map(s => [s.name, { name: s.name, spans: s.spanCount, errors: s.errorCount, external: false }]));
  const edges = graph.edges.map(e => ({ caller: e.parent, callee: e.child, calls: e.callCount, errors: e.errorCount, broken: e.callsWithLostContext }));
  for (const e of edges) {
    for (const name of [e.caller, e.callee]) {
      if (!nodes.has(name)) nodes.set(name, { name, spans: null, errors: null, external: true });
    }
  }

  const svg = drawMap([...nodes.values()], edges);
  container.append(
    el('p', { class: 'muted' }, 'Boxes are services (dashed: databases and other peers without spans in this range). '
      + 'Arrows point from caller to callee, labelled calls · errors · calls that lost the trace context; red arrows carry errors, dashed orange ones lost trace context. '
      + 'Counts include the calls sampling dropped (sample_weight). Click a service or an arrow to search its traces.'),
    el('div', { class: 'map-wrap', id: 'service-map' }, svg),
    el('h2', {}, 'Calls between services'),
    edgeTable(edges));
}

/** Columns by call depth (longest path from a service nobody calls), rows in name order. */
function layout(nodes, edges) {
  const callees = new Map(nodes.map(n => [n.name, []]));
  const called = new Set();
  for (const e of edges) {
    if (e.caller !== e.callee && callees.has(e.caller)) { callees.get(e.caller).push(e.callee); called.add(e.callee); }
  }
  const depth = new Map();
  const visit = (name, d, path) => {
    if (path.has(name) || (depth.get(name) ?? -1) >= d || d > nodes.length) return;
    depth.set(name, d);
    path.add(name);
    for (const next of callees.get(name) || []) visit(next, d + 1, path);
    path.delete(name);
  };
  nodes.filter(n => !called.has(n.name)).forEach(n => visit(n.name, 0, new Set()));
  nodes.forEach(n => { if (!depth.has(n.name)) visit(n.name, 0, new Set()); });
  const columns = [];
  for (const n of [...nodes].sort((a, b) => a.external - b.external || a.name.localeCompare(b.name))) {
    const d = depth.get(n.name);
    (columns[d] ||= []).push(n);
  }
  const position = new Map();
  columns.forEach((column, c) => column.forEach((n, r) => position.set(n.name, {
    x: MARGIN + c * (NODE_WIDTH + COLUMN_GAP), y: MARGIN + r * (NODE_HEIGHT + ROW_GAP),
  })));
  const rows = Math.max(...columns.filter(Boolean).map(c => c.length));
  return { position, width: 2 * MARGIN + columns.length * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP, height: 2 * MARGIN + rows * (NODE_HEIGHT + ROW_GAP) };
}

const SVG = 'http://www.w3.org/2000/svg';
function svgEl(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) {
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v); else node.setAttribute(k, v);
  }
  children.forEach(c => node.append(c instanceof Node ? c : document.createTextNode(String(c))));
  return node;
}

function drawMap(nodes, edges) {
  const { position, width, height } = layout(nodes, edges);
  const maxCalls = Math.max(1, ...edges.map(e => e.calls));
  const svg = svgEl('svg', { width, height, viewBox: `0 0 ${width} ${height}` },
    svgEl('defs', {}, ...['normal', 'errors', 'broken'].map(kind => svgEl('marker', {
      id: 'arrow-' + kind, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse',
    }, svgEl('path', { d: 'M0,0 L10,5 L0,10 z', fill: kind === 'errors' ? '#d92d20' : kind === 'broken' ? '#b54708' : '#9aa4b2' })))));
  const external = new Set(nodes.filter(n => n.external).map(n => n.name));
  const labels = svgEl('g');
  // Labels avoid the boxes and each other.
  const placed = [...position.values()].map(p => ({ x0: p.x, x1: p.x + NODE_WIDTH, y0: p.y, y1: p.y + NODE_HEIGHT }));
  for (const e of [...edges].sort((a, b) => b.calls - a.calls)) {
    const from = position.get(e.caller), to = position.get(e.callee);
    if (!from || !to) continue;
    const x1 = from.x + NODE_WIDTH, y1 = from.y + NODE_HEIGHT / 2, x2 = to.x, y2 = to.y + NODE_HEIGHT / 2;
    const back = x2 <= x1;
    const curve = back
      ? [[x1, y1], [x1 + 60, y1 - 70], [x2 - 60, y2 - 70], [x2, y2]]
      : [[x1, y1], [(x1 + x2) / 2, y1], [(x1 + x2) / 2, y2], [x2, y2]];
    const d = `M${curve[0]} C${curve[1]} ${curve[2]} ${curve[3]}`;
    const kind = e.errors > 0 ? 'errors' : e.broken > 0 ? 'broken' : 'normal';
    const open = () => navigate('search', '', external.has(e.callee) ? { service: e.caller } : { service: e.callee, ...(e.errors ? { status: 'error' } : {}) });
    const title = `${e.caller} → ${e.callee}: ${formatNumber(e.calls)} calls, ${formatNumber(e.errors)} errors`
      + (e.broken ? `, ${formatNumber(e.broken)} without a server span (context lost)` : '');
    svg.append(svgEl('path', {
      class: 'map-edge' + (e.errors ? ' errors' : '') + (e.broken ? ' broken' : ''), d,
      'stroke-width': 1 + 4 * Math.sqrt(e.calls / maxCalls), 'marker-end': `url(#arrow-${kind})`, onclick: open,
    }, svgEl('title', {}, title)));
    const text = formatNumber(e.calls) + (e.errors ? ` · ${formatNumber(e.errors)} err` : '') + (e.broken ? ` · ${formatNumber(e.broken)} lost` : '');
    const [lx, ly] = labelPosition(curve, text.length * 6, placed);
    labels.append(svgEl('text', { class: 'map-edge-label' + (e.errors ? ' errors' : ''), x: lx, y: ly, 'text-anchor': 'middle', onclick: open },
      text, svgEl('title', {}, title)));
  }
  svg.append(labels);
  for (const n of nodes) {
    const p = position.get(n.name);
    const open = () => navigate('search', '', { service: n.name });
    const group = svgEl('g', { class: 'map-node' + (n.external ? ' db' : ''), transform: `translate(${p.x},${p.y})`, 'data-service': n.name, onclick: open },
      svgEl('rect', { width: NODE_WIDTH, height: NODE_HEIGHT, rx: 7 }),
      svgEl('rect', { width: 6, height: NODE_HEIGHT, rx: 2, style: `fill:${n.external ? '#9aa4b2' : serviceColor(n.name)};stroke:none` }),
      svgEl('text', { x: 14, y: 19 }, n.name.length > 24 ? n.name.slice(0, 23) + '…' : n.name),
      svgEl('text', { x: 14, y: 36, class: 'sub' }, n.external ? 'no spans in this range'
        : `${formatNumber(n.spans)} spans · ${formatNumber(n.errors)} errors`),
      svgEl('title', {}, n.name));
    svg.append(group);
  }
  return svg;
}

/** A point on a cubic Bézier curve at t. */
function bezier([p0, p1, p2, p3], t) {
  const u = 1 - t;
  return [0, 1].map(k => u * u * u * p0[k] + 3 * u * u * t * p1[k] + 3 * u * t * t * p2[k] + t * t * t * p3[k]);
}

/** The first spot along the curve where a label of this width overlaps no label placed before. */
function labelPosition(curve, labelWidth, placed) {
  const height = 13;
  let fallback = null;
  for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78, 0.15, 0.85, 0.9, 0.1]) {
    const [x, y] = bezier(curve, t);
    const box = { x0: x - labelWidth / 2, x1: x + labelWidth / 2, y0: y - height, y1: y };
    fallback ||= [x, y - 3, box];
    if (!placed.some(b => b.x0 < box.x1 && box.x0 < b.x1 && b.y0 < box.y1 && box.y0 < b.y1)) {
      placed.push(box);
      return [x, y - 3];
    }
  }
  placed.push(fallback[2]);
  return [fallback[0], fallback[1]];
}

function edgeTable(edges) {
  if (edges.length === 0) return el('p', { class: 'muted' }, 'No calls between services in this range.');
  const sorted = [...edges].sort((a, b) => b.calls - a.calls);
  return el('table', { class: 'grid map-edges' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Caller'), el('th', {}, 'Callee'), el('th', { class: 'num' }, 'Calls'),
      el('th', { class: 'num' }, 'Errors'), el('th', { class: 'num' }, 'Error %'), el('th', { class: 'num' }, 'Lost context'))),
    el('tbody', {}, sorted.map(e => el('tr', { class: 'clickable', onclick: () => navigate('search', '', { service: e.caller }) },
      el('td', {}, e.caller), el('td', {}, e.callee), el('td', { class: 'num' }, formatNumber(e.calls)),
      el('td', { class: 'num' }, e.errors ? el('span', { class: 'badge-error' }, formatNumber(e.errors)) : '0'),
      el('td', { class: 'num' }, e.calls ? formatNumber((100 * e.errors) / e.calls, 2) : ''),
      el('td', { class: 'num' }, e.broken ? el('span', { class: 'badge-warn' }, formatNumber(e.broken)) : '0')))));
}
