// Trace view: one trace as a waterfall (timing bars in service colours, errors and broken propagation marked,
// subtrees that collapse, a minimap to zoom on, spans to find), a flame graph, statistics per operation, and a
// structure diff against a second trace; the selected span's details beside. Deep link: #/trace/<traceId>, with
// ?view=flame|stats|diff and ?compare=<other trace id> for the diff.
import { drawOnResize } from './charts.js';
import { api, el, emptyState, errorBox, formatNanos, formatTime, hrefFor, literal, navigate, serviceChip, serviceColor, sqlObjects } from './lib.js';

const VIEWS = { waterfall: 'Waterfall', flame: 'Flame graph', stats: 'Statistics', diff: 'Compare traces' };

export async function renderTrace(container, traceId, params, current) {
  if (!traceId) {
    container.append(emptyState('No trace selected: paste a trace ID in the box at the top (or press t), '
      + 'open one from the search results, or go to #/trace/<trace id>.'));
    return;
  }
  let trace;
  try {
    trace = await api('/api/traces/' + encodeURIComponent(traceId));
  } catch (e) {
    container.append(el('h1', {}, 'Trace ', el('span', { class: 'mono' }, traceId)), errorBox(e.message));
    return;
  }
  // Client calls to an instrumented service that produced no server span: context was lost there.
  const lostHops = new Set((await sqlObjects('SELECT span_id FROM propagation_hops WHERE trace_id = ' + literal(trace.traceId)
    + ' AND server_instrumented AND NOT propagated').catch(() => [])).map(r => r.span_id));
  if (!current()) return;

  const model = traceModel(trace, lostHops);
  const details = el('div', { class: 'panel details', id: 'span-details', 'data-close-on-escape': '' },
    el('p', { class: 'muted' }, 'Click a span to see its attributes, resource, events and links.'));
  const showDetails = row => {
    details.hidden = false;
    details.replaceChildren(...spanDetails(row.span, model.traceStart, row.brokenReason));
  };

  const root = model.root;
  const problems = [];
  const orphans = trace.roots.filter(r => r.orphan).length;
  if (orphans) problems.push(`${orphans} span${orphans > 1 ? 's' : ''} whose parent is not in the trace`);
  if (trace.roots.filter(r => !r.orphan).length > 1) problems.push(`${trace.roots.filter(r => !r.orphan).length} root spans`);
  if (lostHops.size) problems.push(`${lostHops.size} client call${lostHops.size > 1 ? 's' : ''} with no server span`);
  const errors = trace.spans.filter(s => s.statusCode === 'ERROR').length;
  const services = [...new Set(trace.spans.map(s => s.serviceName))].sort();

  let view = VIEWS[params.get('view')] ? params.get('view') : 'waterfall';
  const body = el('div', { class: 'trace-body' });
  const tabs = el('div', { class: 'tabs', role: 'tablist', id: 'trace-tabs' });
  let shown = 0;
  const show = async name => {
    view = name;
    const mine = ++shown;
    tabs.querySelectorAll('button').forEach(b => b.classList.toggle('active', b.dataset.view === name));
    // The view is part of the address, so that a link reopens it; switching views is not a step back.
    const query = new URLSearchParams(params);
    if (name === 'waterfall') query.delete('view'); else query.set('view', name);
    const search = query.toString();
    history.replaceState(null, '', '#/trace/' + encodeURIComponent(trace.traceId) + (search ? '?' + search : ''));
    if (name === 'waterfall') body.replaceChildren(waterfallView(model, showDetails));
    else if (name === 'flame') body.replaceChildren(flameGraph(model, showDetails));
    else if (name === 'stats') body.replaceChildren(statistics(model));
    else {
      // The other trace is fetched first: a view picked meanwhile wins.
      const diff = await diffView(model, params.get('compare'), current);
      if (mine === shown) body.replaceChildren(diff);
    }
  };
  for (const [name, label] of Object.entries(VIEWS)) {
    tabs.append(el('button', { type: 'button', role: 'tab', 'data-view': name, onclick: () => show(name) }, label));
  }

  container.append(
    el('div', { class: 'panel trace-head' },
      el('h1', {}, root ? `${root.serviceName}: ${root.name}` : 'Trace'),
      el('span', { class: 'mono muted trace-id' }, trace.traceId),
      stat('Start', formatTime(model.traceStart)), stat('Duration', formatNanos(model.total)),
      stat('Spans', el('span', { id: 'trace-span-count' }, trace.spanCount)),
      stat('Errors', errors ? el('span', { class: 'badge-error' }, errors) : '0'),
      problems.length ? stat('Propagation', el('span', { class: 'badge-warn' }, problems.join('; '))) : null),
    el('div', { class: 'legend' }, services.map(serviceChip),
      el('span', {}, el('span', { class: 'mark err' }, 'error'), ' status ERROR'),
      el('span', {}, el('span', { class: 'mark broken' }, 'orphan / lost context'), ' broken propagation (hatched bar)'),
      el('span', {}, el('span', { class: 'critical-sample' }), ' on the critical path (what the request waited for)')),
    tabs,
    el('div', { class: 'trace-layout' }, body, details));
  await show(view);
  // The first error is selected (else the root), in whichever view shows spans.
  const first = model.rows.find(r => r.span.statusCode === 'ERROR') || model.rows[0];
  const firstShown = body.querySelector(`[data-span-id="${CSS.escape(first.span.spanId)}"]`);
  if (firstShown) firstShown.click(); else showDetails(first);
}

/** The trace's spans in tree order (a row per span, with its depth, parent row and descendants), and its bounds. */
function traceModel(trace, lostHops) {
  const spansById = new Map(trace.spans.map(s => [s.spanId, s]));
  const rows = [];
  const walk = (node, depth, parent) => {
    const span = spansById.get(node.spanId);
    const row = {
      span, depth, parent, index: rows.length, children: [], descendants: 0,
      brokenReason: node.orphan ? 'orphan: parent ' + span.parentSpanId + ' is not in this trace'
        : lostHops.has(span.spanId) ? 'no server span: trace context was lost on this call' : null,
      orphan: !!node.orphan,
    };
    rows.push(row);
    if (parent) parent.children.push(row);
    node.children.forEach(child => walk(child, depth + 1, row));
    row.descendants = rows.length - row.index - 1;
  };
  trace.roots.forEach(root => walk(root, 0, null));
  const traceStart = Math.min(...trace.spans.map(s => s.startTimeUnixNano));
  const traceEnd = Math.max(...trace.spans.map(s => s.endTimeUnixNano));
  const root = trace.roots.find(r => !r.orphan) || trace.roots[0];
  return {
    trace, rows, traceStart, total: Math.max(1, traceEnd - traceStart),
    maxDepth: Math.max(...rows.map(r => r.depth)), root: root && spansById.get(root.spanId),
  };
}

// ---- waterfall

/**
 * The waterfall: a minimap of the whole trace to drag a time window on (the bars and the axis re-scale to it),
 * subtrees that collapse and expand (one by one or to a depth), and a box that finds spans by name, service,
 * ID or attribute, expanding what hides them.
 */
function waterfallView(model, showDetails) {
  const { rows, traceStart, total } = model;
  const collapsed = new Set();
  let from = 0;
  let to = 1;
  let selected = null;

  const ticks = el('div', { class: 'ticks' });
  const axisRow = el('div', { class: 'wf-axis' }, el('div', { class: 'label muted' }, 'Service · operation'), ticks);
  const list = el('div', { class: 'waterfall', id: 'waterfall' }, axisRow);
  for (const row of rows) {
    const span = row.span;
    const isError = span.statusCode === 'ERROR';
    const toggle = row.children.length
      ? el('button', { type: 'button', class: 'toggle', title: 'collapse or expand this subtree' }, '▾')
      : el('span', { class: 'toggle-space' });
    const bar = el('div', { class: 'bar', style: { background: serviceColor(span.serviceName) } });
    const duration = el('span', { class: 'dur' }, formatNanos(span.durationNanos));
    const hiddenCount = el('span', { class: 'hidden-count muted' });
    row.element = el('div', {
      class: 'span-row' + (isError ? ' error' : '') + (row.brokenReason ? ' broken' : '') + (span.criticalPathNanos > 0 ? ' critical' : ''),
      'data-span-id': span.spanId, 'data-depth': row.depth, title: `${span.serviceName}: ${span.name} (${formatNanos(span.durationNanos)})`,
    },
    el('div', { class: 'label', style: { paddingLeft: 4 + row.depth * 14 + 'px' } },
      toggle,
      el('span', { class: 'swatch', style: { background: serviceColor(span.serviceName) } }),
      el('span', { class: 'svc' }, span.serviceName),
      el('span', { class: 'name' }, span.name),
      hiddenCount,
      isError ? el('span', { class: 'mark err', title: span.statusMessage || 'status ERROR' }, 'error') : null,
      row.brokenReason ? el('span', { class: 'mark broken', title: row.brokenReason }, row.orphan ? 'orphan' : 'lost context') : null),
    el('div', { class: 'track' }, bar, duration));
    row.bar = bar;
    row.duration = duration;
    row.hiddenCount = hiddenCount;
    if (row.children.length) {
      toggle.addEventListener('click', event => {
        event.stopPropagation();
        if (collapsed.has(row)) collapsed.delete(row); else collapsed.add(row);
        layout();
      });
    }
    row.element.addEventListener('click', () => {
      selected?.element.classList.remove('selected');
      selected = row;
      row.element.classList.add('selected');
      showDetails(row);
    });
    list.append(row.element);
  }

  // Which rows show (none under a collapsed one) and where their bars fall in the window [from, to] of the trace.
  const layout = () => {
    const width = to - from;
    const hidden = new Set();
    for (const row of rows) {
      if (row.parent && (hidden.has(row.parent) || collapsed.has(row.parent))) hidden.add(row);
      row.element.hidden = hidden.has(row);
      row.element.classList.toggle('collapsed', collapsed.has(row));
      row.element.querySelector('.toggle')?.replaceChildren(collapsed.has(row) ? '▸' : '▾');
      row.hiddenCount.textContent = collapsed.has(row) ? `+${row.descendants}` : '';
      const start = (row.span.startTimeUnixNano - traceStart) / total;
      const left = (100 * (start - from)) / width;
      const barWidth = (100 * row.span.durationNanos) / total / width;
      row.bar.style.left = left + '%';
      row.bar.style.width = barWidth + '%';
      const label = durationLabelPosition(left, barWidth);
      row.duration.className = 'dur' + (label.inside ? ' inside' : '');
      row.duration.style.left = label.left || '';
      row.duration.style.right = label.right || '';
    }
    ticks.replaceChildren();
    for (let i = 0; i <= 4; i++) {
      const at = (from + (width * i) / 4) * total;
      ticks.append(el('span', { class: 'tick', style: { left: i * 25 + '%' } }, at === 0 ? '0' : formatNanos(Math.round(at))));
    }
    minimap.setWindow(from, to);
    reset.hidden = from === 0 && to === 1;
    shown.textContent = `${rows.length - hidden.size} of ${rows.length} spans shown`;
  };

  const minimap = minimapOf(model, (start, end) => { from = start; to = end; layout(); });
  const reset = el('button', { type: 'button', id: 'zoom-reset', onclick: () => { from = 0; to = 1; layout(); } }, 'Reset zoom');
  const depth = el('select', { id: 'collapse-depth', title: 'show the tree down to a depth' },
    el('option', { value: '' }, 'expand all'),
    [1, 2, 3, 4].filter(d => d <= model.maxDepth).map(d => el('option', { value: d }, `collapse to depth ${d}`)));
  depth.addEventListener('change', () => {
    collapsed.clear();
    if (depth.value) rows.filter(r => r.depth === Number(depth.value) - 1 && r.children.length).forEach(r => collapsed.add(r));
    layout();
  });
  const shown = el('span', { class: 'muted', id: 'rows-shown' });
  const matches = el('span', { class: 'muted', id: 'span-search-count' });
  const find = el('input', { id: 'span-search', type: 'search', placeholder: 'find spans: name, service, ID, attribute', size: 30 });
  find.addEventListener('input', () => {
    const term = find.value.trim().toLowerCase();
    let count = 0;
    for (const row of rows) {
      const hit = term !== '' && spanText(row.span).includes(term);
      row.element.classList.toggle('match', hit);
      row.element.classList.toggle('dimmed', term !== '' && !hit);
      if (hit) {
        count++;
        for (let up = row.parent; up; up = up.parent) collapsed.delete(up);
      }
    }
    matches.textContent = term ? `${count} match${count === 1 ? '' : 'es'}` : '';
    layout();
  });
  layout();
  return el('div', { class: 'waterfall-view' },
    el('div', { class: 'wf-toolbar' }, find, matches, depth, reset, shown),
    minimap.element, list);
}

/** All of a span's text that the find box matches, lower case. */
function spanText(span) {
  return [span.name, span.serviceName, span.spanId, span.statusMessage || '',
    ...Object.entries(span.attributes || {}).flat(), ...Object.entries(span.resource || {}).flat()]
    .map(v => String(v).toLowerCase()).join('\n');
}

/**
 * A miniature of every span on one canvas; dragging across it picks the window the waterfall shows (double-click:
 * all of it). {@code onWindow(from, to)} receives fractions of the trace's duration.
 */
function minimapOf(model, onWindow) {
  const { rows, traceStart, total } = model;
  const canvas = el('canvas', { class: 'minimap-canvas' });
  const windowBox = el('div', { class: 'minimap-window' });
  const dragBox = el('div', { class: 'minimap-drag', hidden: true });
  const element = el('div', { class: 'minimap', id: 'minimap', title: 'drag to zoom the waterfall; double-click for the whole trace' },
    canvas, windowBox, dragBox);
  drawOnResize(element, canvas, (g, width, height) => {
    const rowHeight = Math.max(1, Math.min(4, (height - 4) / rows.length));
    rows.forEach((row, i) => {
      g.fillStyle = row.span.statusCode === 'ERROR' ? '#d92d20' : serviceColor(row.span.serviceName);
      const x = ((row.span.startTimeUnixNano - traceStart) / total) * width;
      g.fillRect(x, 2 + i * ((height - 4 - rowHeight) / Math.max(1, rows.length - 1)), Math.max(1, (row.span.durationNanos / total) * width), rowHeight);
    });
  });
  const fraction = event => {
    const box = element.getBoundingClientRect();
    return Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
  };
  // The drag is followed on the window while the button is down, so that it may end outside the minimap.
  element.addEventListener('mousedown', event => {
    if (event.button !== 0) return;
    event.preventDefault();
    const startX = fraction(event);
    dragBox.hidden = false;
    dragBox.style.left = startX * 100 + '%';
    dragBox.style.width = '0';
    const move = moved => {
      const x = fraction(moved);
      dragBox.style.left = Math.min(startX, x) * 100 + '%';
      dragBox.style.width = Math.abs(x - startX) * 100 + '%';
    };
    const up = released => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
      dragBox.hidden = true;
      const x = fraction(released);
      if (Math.abs(x - startX) > 0.005) onWindow(Math.min(startX, x), Math.max(startX, x));
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
  });
  element.addEventListener('dblclick', () => onWindow(0, 1));
  return {
    element,
    setWindow(from, to) {
      windowBox.style.left = from * 100 + '%';
      windowBox.style.width = (to - from) * 100 + '%';
      windowBox.classList.toggle('zoomed', from > 0 || to < 1);
    },
  };
}

/** Right of the bar when there is room, else left of it, else inside it (percentages of the track). */
function durationLabelPosition(leftPct, widthPct) {
  if (100 - leftPct - widthPct >= 12) return { left: `calc(${leftPct + widthPct}% + 4px)` };
  if (leftPct >= 12) return { right: `calc(${100 - leftPct}% + 4px)` };
  return { left: `calc(${Math.max(0, leftPct)}% + 6px)`, inside: true };
}

// ---- flame graph and statistics

/** Each span as a block under its parent, as wide as its duration, where it ran in the trace. */
function flameGraph(model, showDetails) {
  const { rows, traceStart, total, maxDepth } = model;
  const ROW = 22;
  const graph = el('div', { class: 'flame-graph', id: 'flame-graph', style: { height: (maxDepth + 1) * ROW + 'px' } });
  for (const row of rows) {
    const span = row.span;
    const left = (100 * (span.startTimeUnixNano - traceStart)) / total;
    const width = (100 * span.durationNanos) / total;
    const block = el('div', {
      class: 'flame-node' + (span.statusCode === 'ERROR' ? ' error' : ''), 'data-span-id': span.spanId,
      title: `${span.serviceName}: ${span.name} · ${formatNanos(span.durationNanos)} (self ${formatNanos(span.selfNanos)})`,
      style: { left: left + '%', width: `max(2px, ${width}%)`, top: row.depth * ROW + 'px', background: serviceColor(span.serviceName) },
    }, el('span', {}, `${span.name} · ${formatNanos(span.durationNanos)}`));
    block.addEventListener('click', () => {
      graph.querySelectorAll('.flame-node.selected').forEach(n => n.classList.remove('selected'));
      block.classList.add('selected');
      showDetails(row);
    });
    graph.append(block);
  }
  return el('div', { class: 'panel flame-panel' },
    el('p', { class: 'muted' }, 'A block per span, under the span that called it and as wide as it ran; click one for its details.'),
    graph);
}

/** Per service and operation: spans, total and self time (not covered by children), average and slowest. */
function statistics(model) {
  const groups = new Map();
  for (const { span } of model.rows) {
    const key = span.serviceName + '\u0000' + span.name;
    const group = groups.get(key) || { service: span.serviceName, name: span.name, count: 0, total: 0, self: 0, max: 0, errors: 0 };
    group.count++;
    group.total += span.durationNanos;
    group.self += span.selfNanos;
    group.max = Math.max(group.max, span.durationNanos);
    group.errors += span.statusCode === 'ERROR' ? 1 : 0;
    groups.set(key, group);
  }
  const selfTotal = [...groups.values()].reduce((sum, g) => sum + g.self, 0) || 1;
  const sorted = [...groups.values()].sort((a, b) => b.self - a.self || b.total - a.total);
  return el('div', { class: 'panel wide-table' },
    el('p', { class: 'muted' }, 'Where this trace spent its time: self time is a span\'s duration not covered by its children.'),
    el('table', { class: 'grid', id: 'span-stats' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Service'), el('th', {}, 'Operation'), el('th', { class: 'num' }, 'Spans'),
        el('th', { class: 'num' }, 'Errors'), el('th', { class: 'num' }, 'Self time'), el('th', { class: 'num' }, '% of self time'),
        el('th', { class: 'num' }, 'Total'), el('th', { class: 'num' }, 'Average'), el('th', { class: 'num' }, 'Slowest'))),
      el('tbody', {}, sorted.map(g => el('tr', { 'data-service': g.service, 'data-operation': g.name },
        el('td', {}, serviceChip(g.service)), el('td', {}, g.name), el('td', { class: 'num' }, g.count),
        el('td', { class: 'num' }, g.errors ? el('span', { class: 'badge-error' }, g.errors) : '0'),
        el('td', { class: 'num self' }, formatNanos(g.self)), el('td', { class: 'num' }, (100 * g.self / selfTotal).toFixed(1) + '%'),
        el('td', { class: 'num' }, formatNanos(g.total)), el('td', { class: 'num' }, formatNanos(Math.round(g.total / g.count))),
        el('td', { class: 'num' }, formatNanos(g.max)))))));
}

// ---- structure diff

/**
 * This trace beside another, span by span: a span is matched by its path of service:operation steps from the root
 * (the n-th call of the same operation under the same parent matches the n-th); what only the other trace has is
 * added, what only this one has is missing, and a matched span is slower or faster when its duration differs by
 * more than a fifth and a millisecond.
 */
async function diffView(model, otherId, current) {
  const input = el('input', { id: 'compare-trace-id', class: 'mono', placeholder: 'the other trace ID', size: 36, value: otherId || '' });
  const form = el('form', { class: 'panel compare-form-inline', id: 'compare-trace-form' },
    el('label', {}, 'Compare this trace with ', input), ' ', el('button', { type: 'submit', class: 'primary' }, 'Compare'));
  form.addEventListener('submit', event => {
    event.preventDefault();
    const other = input.value.trim();
    if (other) navigate('trace', model.trace.traceId, { view: 'diff', compare: other });
  });
  if (!otherId) return el('div', {}, form, emptyState('Enter a second trace ID, e.g. a fast and a slow call of the same endpoint.'));
  let other;
  try {
    other = traceModel(await api('/api/traces/' + encodeURIComponent(otherId)), new Set());
  } catch (e) {
    return el('div', {}, form, errorBox(e.message));
  }
  if (!current()) return el('div');
  const mine = byPath(model.rows);
  const theirs = byPath(other.rows);
  const lines = [];
  for (const [path, row] of mine) {
    const match = theirs.get(path);
    lines.push({ path, row, match, change: !match ? 'missing' : changeOf(row.span.durationNanos, match.span.durationNanos) });
  }
  for (const [path, row] of theirs) {
    if (!mine.has(path)) lines.push({ path, row, match: row, change: 'added' });
  }
  const count = change => lines.filter(l => l.change === change).length;
  const LABELS = { added: 'added', missing: 'missing', slower: 'slower', faster: 'faster', same: 'same' };
  return el('div', {}, form,
    el('p', { id: 'diff-summary' }, ['added', 'missing', 'slower', 'faster'].map(c =>
      el('span', { class: 'diff-count diff-' + c }, `${count(c)} ${LABELS[c]}`)),
    el('span', { class: 'muted' }, ` of ${lines.length} spans; the other trace is `),
    el('a', { href: hrefFor('trace', other.trace.traceId), class: 'mono' }, other.trace.traceId)),
    el('table', { class: 'grid', id: 'trace-diff' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Span'), el('th', {}, 'Change'), el('th', { class: 'num' }, 'This trace'),
        el('th', { class: 'num' }, 'Other trace'), el('th', { class: 'num' }, 'Difference'))),
      el('tbody', {}, lines.map(({ row, match, change }) => {
        const here = change === 'added' ? null : row.span.durationNanos;
        const there = match ? match.span.durationNanos : null;
        return el('tr', { class: 'diff-' + change, 'data-change': change },
          el('td', { style: { paddingLeft: 10 + row.depth * 14 + 'px' } }, el('span', { class: 'swatch', style: { background: serviceColor(row.span.serviceName) } }),
            ' ', el('span', { class: 'muted' }, row.span.serviceName), ' ', row.span.name),
          el('td', {}, LABELS[change]),
          el('td', { class: 'num' }, here == null ? '' : formatNanos(here)),
          el('td', { class: 'num' }, there == null ? '' : formatNanos(there)),
          el('td', { class: 'num' }, here == null || there == null ? '' : (there >= here ? '+' : '−') + formatNanos(Math.abs(there - here))));
      }))));
}

/** Rows by their path from the root: "svc:op#n/svc:op#n/…". */
function byPath(rows) {
  const paths = new Map();
  const pathOf = new Map();
  const seen = new Map();
  for (const row of rows) {
    const step = row.span.serviceName + ':' + row.span.name;
    const prefix = row.parent ? pathOf.get(row.parent) : '';
    const key = prefix + '/' + step;
    const n = (seen.get(key) || 0) + 1;
    seen.set(key, n);
    const path = key + '#' + n;
    pathOf.set(row, path);
    paths.set(path, row);
  }
  return paths;
}

function changeOf(here, there) {
  const difference = there - here;
  if (Math.abs(difference) <= Math.max(1e6, here / 5)) return 'same';
  return difference > 0 ? 'slower' : 'faster';
}

// ---- span details

function stat(label, value) {
  return el('span', { class: 'stat' }, el('span', { class: 'muted' }, label + ' '), el('b', {}, value));
}

function spanDetails(span, traceStart, brokenReason) {
  const kv = entries => el('table', { class: 'kv' }, el('tbody', {}, entries.map(([k, v]) =>
    el('tr', {}, el('td', {}, k), el('td', {}, typeof v === 'object' && v !== null && !(v instanceof Node) ? JSON.stringify(v) : v)))));
  const section = (title, entries) => [el('h4', {}, title), entries.length ? kv(entries) : el('p', { class: 'muted' }, 'none')];
  const general = [
    ['service', serviceChip(span.serviceName)], ['kind', span.kind], ['status', span.statusCode === 'ERROR'
      ? el('span', { class: 'badge-error' }, 'ERROR' + (span.statusMessage ? ': ' + span.statusMessage : '')) : span.statusCode],
    ['start', formatTime(span.startTimeUnixNano) + ' (+' + formatNanos(span.startTimeUnixNano - traceStart) + ')'],
    ['duration', formatNanos(span.durationNanos)],
    ['self time', formatNanos(span.selfNanos) + ' (not covered by children)'],
    ['critical path', span.criticalPathNanos > 0 ? formatNanos(span.criticalPathNanos) + ' of the trace\'s latency' : 'off the critical path'],
    ['span id', span.spanId], ['parent span id', span.parentSpanId || '(root)'],
    ['scope', [span.scopeName, span.scopeVersion].filter(Boolean).join(' ') || ''],
  ];
  if (span.sampleWeight && span.sampleWeight !== 1) general.push(['sample weight', span.sampleWeight]);
  if (span.traceState) general.push(['trace state', span.traceState]);
  const events = span.events.map(e => el('div', { class: 'event' + (e.name === 'exception' ? ' exception' : '') },
    el('b', {}, e.name), el('span', { class: 'muted' }, ' +' + formatNanos(e.timeUnixNano - span.startTimeUnixNano)),
    kv(Object.entries(e.attributes || {}))));
  const links = span.links.map(l => el('div', { class: 'event' },
    el('a', { href: hrefFor('trace', l.traceId) }, 'trace ' + l.traceId.slice(0, 16) + '…'), ' span ', el('span', { class: 'mono' }, l.spanId),
    kv(Object.entries(l.attributes || {}))));
  return [
    el('button', { type: 'button', class: 'close', title: 'close (Esc)', onclick: event => { event.target.closest('.details').hidden = true; } }, '×'),
    el('h3', {}, span.name),
    brokenReason ? el('p', { class: 'badge-warn' }, brokenReason) : null,
    ...section('Span', general),
    ...section('Attributes', Object.entries(span.attributes).sort()),
    ...section('Resource', Object.entries(span.resource).sort()),
    el('h4', {}, `Events (${span.events.length})`), events.length ? events : el('p', { class: 'muted' }, 'none'),
    el('h4', {}, `Links (${span.links.length})`), links.length ? links : el('p', { class: 'muted' }, 'none'),
  ].filter(Boolean);
}
