// Service map: services (and the databases, caches and other peers they call) with the calls
// between them over the shared time range, as /api/dependencies answers: an edge per calling and
// called service, from parent/child spans across services plus client calls no server span
// answered, laid out by dagre (from npm, copied into the jar at build time). Arrows show
// calls (width), error rate against thresholds the user sets (colour) and calls that lost the trace context
// (dashed). The numbers are the API's, weighted by sample_weight, so sampled-away spans are counted too.
import dagre from '/ui/vendor/dagre.esm.js';
import { api, el, emptyState, formatNumber, navigate, rangeQuery, serviceColor, timeRange } from './lib.js';

const NODE_WIDTH = 190, NODE_HEIGHT = 46, MARGIN = 20, LABEL_HEIGHT = 14;
/** Error rates (percent of calls) from which an arrow or a service is marked, unless the address says otherwise. */
const DEFAULT_WARN = 1, DEFAULT_CRITICAL = 5;

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

  const thresholds = { warn: percent(params.get('warn'), DEFAULT_WARN), critical: percent(params.get('critical'), DEFAULT_CRITICAL) };
  const warn = el('input', { id: 'map-warn', type: 'number', min: 0, max: 100, step: 'any', value: thresholds.warn, size: 4 });
  const critical = el('input', { id: 'map-critical', type: 'number', min: 0, max: 100, step: 'any', value: thresholds.critical, size: 4 });
  const form = el('form', { class: 'map-legend', id: 'map-thresholds' },
    el('span', {}, el('span', { class: 'legend-line' }), ' calls (thicker: more)'),
    el('span', {}, el('span', { class: 'legend-line warn' }), ' error rate ≥ ', warn, ' %'),
    el('span', {}, el('span', { class: 'legend-line critical' }), ' error rate ≥ ', critical, ' %'),
    el('span', {}, el('span', { class: 'legend-line broken' }), ' trace context lost on ≥ the first rate of calls'),
    el('span', {}, el('span', { class: 'legend-box external' }), ' a peer without spans (database, cache…)'),
    el('button', { type: 'submit' }, 'Apply'));
  form.addEventListener('submit', event => {
    event.preventDefault();
    const next = new URLSearchParams(params);
    next.set('warn', warn.value);
    next.set('critical', critical.value);
    navigate('map', '', next);
  });

  container.append(
    el('p', { class: 'muted' }, 'Arrows point from caller to callee, labelled calls · errors · calls that lost the trace context. '
      + 'Counts include the calls sampling dropped (sample_weight). Click a service or an arrow to search its traces.'),
    form,
    el('div', { class: 'map-wrap', id: 'service-map' }, drawMap([...nodes.values()], edges, thresholds)),
    el('h2', {}, 'Calls between services'),
    edgeTable(edges));
}

/** A threshold from the address, in percent; the default when absent or not a number from 0 to 100. */
function percent(value, fallback) {
  const n = Number(value);
  return value != null && value !== '' && Number.isFinite(n) && n >= 0 && n <= 100 ? n : fallback;
}

/** 'critical', 'warn' or '' for a share (in percent) against the thresholds. */
function severity(share, thresholds) {
  return share >= thresholds.critical && share > 0 ? 'critical' : share >= thresholds.warn && share > 0 ? 'warn' : '';
}

/**
 * Where boxes, arrows and arrow labels go: dagre's layered layout (callers left of callees, crossings reduced), with
 * each label a box of its own that dagre keeps clear of the boxes and of every other label.
 */
function layout(nodes, edges, labelOf) {
  const graph = new dagre.graphlib.Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 90, edgesep: 16, marginx: MARGIN, marginy: MARGIN });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) graph.setNode(n.name, { width: NODE_WIDTH, height: NODE_HEIGHT });
  edges.forEach((e, i) => graph.setEdge(e.caller, e.callee,
    { width: labelOf(e).length * 6.2 + 8, height: LABEL_HEIGHT, labelpos: 'c' }, 'e' + i));
  dagre.layout(graph);
  return {
    node: name => graph.node(name),
    edge: (e, i) => graph.edge(e.caller, e.callee, 'e' + i),
    width: graph.graph().width, height: graph.graph().height,
  };
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

function drawMap(nodes, edges, thresholds) {
  const labelOf = e => formatNumber(e.calls) + (e.errors ? ` · ${formatNumber(e.errors)} err` : '') + (e.broken ? ` · ${formatNumber(e.broken)} lost` : '');
  const { node, edge, width, height } = layout(nodes, edges, labelOf);
  const maxCalls = Math.max(1, ...edges.map(e => e.calls));
  const svg = svgEl('svg', { width, height, viewBox: `0 0 ${width} ${height}` },
    svgEl('defs', {}, ...['normal', 'warn', 'critical'].map(kind => svgEl('marker', {
      id: 'arrow-' + kind, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse',
    }, svgEl('path', { d: 'M0,0 L10,5 L0,10 z', class: 'map-arrowhead ' + kind })))));
  const external = new Set(nodes.filter(n => n.external).map(n => n.name));
  const labels = svgEl('g');
  // Quiet arrows first, so that the marked ones are drawn over them.
  const order = edges.map((e, i) => i).sort((a, b) => rank(edges[a]) - rank(edges[b]));
  function rank(e) {
    return ['', 'warn', 'critical'].indexOf(severity(100 * e.errors / Math.max(1, e.calls), thresholds));
  }
  for (const i of order) {
    const e = edges[i];
    const route = edge(e, i);
    const level = severity((100 * e.errors) / Math.max(1, e.calls), thresholds);
    const lost = severity((100 * e.broken) / Math.max(1, e.calls), thresholds) !== '';
    const open = () => navigate('search', '', external.has(e.callee) ? { service: e.caller } : { service: e.callee, ...(e.errors ? { status: 'error' } : {}) });
    const title = `${e.caller} → ${e.callee}: ${formatNumber(e.calls)} calls, ${formatNumber(e.errors)} errors`
      + ` (${formatNumber((100 * e.errors) / Math.max(1, e.calls), 2)} %)`
      + (e.broken ? `, ${formatNumber(e.broken)} without a server span (context lost)` : '');
    svg.append(svgEl('path', {
      class: 'map-edge' + (level ? ' ' + level : '') + (lost ? ' broken' : ''), d: smoothPath(route.points),
      'data-caller': e.caller, 'data-callee': e.callee,
      'stroke-width': 1 + 5 * Math.sqrt(e.calls / maxCalls), 'marker-end': `url(#arrow-${level || 'normal'})`, onclick: open,
    }, svgEl('title', {}, title)));
    // On a ground of its own where dagre kept room for it, so that no line runs through the text.
    labels.append(svgEl('rect', { class: 'map-edge-label-ground', x: route.x - route.width / 2, y: route.y - route.height / 2,
      width: route.width, height: route.height, rx: 3 }));
    labels.append(svgEl('text', {
      class: 'map-edge-label' + (level ? ' ' + level : ''), x: route.x, y: route.y + 4, 'text-anchor': 'middle', onclick: open,
    }, labelOf(e), svgEl('title', {}, title)));
  }
  svg.append(labels);
  for (const n of nodes) {
    const { x, y } = node(n.name);
    const level = n.external ? '' : severity((100 * n.errors) / Math.max(1, n.spans), thresholds);
    const open = () => navigate('search', '', { service: n.name });
    const group = svgEl('g', {
      class: 'map-node' + (n.external ? ' db' : '') + (level ? ' ' + level : ''),
      transform: `translate(${x - NODE_WIDTH / 2},${y - NODE_HEIGHT / 2})`, 'data-service': n.name, onclick: open,
    },
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

/** A curve through dagre's bend points: straight to the first, then a quadratic turn at each bend. */
function smoothPath(points) {
  let d = `M${points[0].x},${points[0].y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const mid = { x: (points[i].x + points[i + 1].x) / 2, y: (points[i].y + points[i + 1].y) / 2 };
    d += ` Q${points[i].x},${points[i].y} ${mid.x},${mid.y}`;
  }
  const last = points[points.length - 1];
  return d + ` L${last.x},${last.y}`;
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
