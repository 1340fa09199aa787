// Trace view: the waterfall of one trace's span tree (timing bars in service colours, errors and
// broken propagation marked) and the details of the selected span. Deep link: #/trace/<traceId>.
import { api, el, emptyState, errorBox, formatNanos, formatTime, literal, serviceChip, serviceColor, sqlObjects } from './lib.js';

export async function renderTrace(container, traceId, params, current) {
  if (!traceId) {
    container.append(emptyState('No trace selected: open one from the search results, or go to #/trace/<trace id>.'));
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

  const spansById = new Map(trace.spans.map(s => [s.spanId, s]));
  const rows = [];
  const walk = (node, depth) => {
    rows.push({ node, depth, span: spansById.get(node.spanId) });
    node.children.forEach(child => walk(child, depth + 1));
  };
  trace.roots.forEach(root => walk(root, 0));

  const traceStart = Math.min(...trace.spans.map(s => s.startTimeUnixNano));
  const traceEnd = Math.max(...trace.spans.map(s => s.endTimeUnixNano));
  const total = Math.max(1, traceEnd - traceStart);
  const services = [...new Set(trace.spans.map(s => s.serviceName))].sort();
  const errors = trace.spans.filter(s => s.statusCode === 'ERROR').length;
  const orphans = trace.roots.filter(r => r.orphan).length;
  const root = trace.roots.find(r => !r.orphan) || trace.roots[0];

  const problems = [];
  if (orphans) problems.push(`${orphans} span${orphans > 1 ? 's' : ''} whose parent is not in the trace`);
  if (trace.roots.filter(r => !r.orphan).length > 1) problems.push(`${trace.roots.filter(r => !r.orphan).length} root spans`);
  if (lostHops.size) problems.push(`${lostHops.size} client call${lostHops.size > 1 ? 's' : ''} with no server span`);

  const details = el('div', { class: 'panel details', id: 'span-details' }, el('p', { class: 'muted' }, 'Click a span to see its attributes, resource, events and links.'));
  const waterfall = el('div', { class: 'waterfall', id: 'waterfall' }, axis(total));
  let selected = null;
  for (const { node, depth, span } of rows) {
    const isError = span.statusCode === 'ERROR';
    const brokenReason = node.orphan ? 'orphan: parent ' + span.parentSpanId + ' is not in this trace'
      : lostHops.has(span.spanId) ? 'no server span: trace context was lost on this call' : null;
    const left = (100 * (span.startTimeUnixNano - traceStart)) / total;
    const widthPct = (100 * span.durationNanos) / total;
    const critical = span.criticalPathNanos > 0;
    const row = el('div', {
      class: 'span-row' + (isError ? ' error' : '') + (brokenReason ? ' broken' : '') + (critical ? ' critical' : ''),
      'data-span-id': span.spanId, title: `${span.serviceName}: ${span.name} (${formatNanos(span.durationNanos)})`,
    },
    el('div', { class: 'label', style: { paddingLeft: 8 + depth * 14 + 'px' } },
      el('span', { class: 'swatch', style: { background: serviceColor(span.serviceName) } }),
      el('span', { class: 'svc' }, span.serviceName),
      el('span', { class: 'name' }, span.name),
      isError ? el('span', { class: 'mark err', title: span.statusMessage || 'status ERROR' }, 'error') : null,
      brokenReason ? el('span', { class: 'mark broken', title: brokenReason }, node.orphan ? 'orphan' : 'lost context') : null),
    el('div', { class: 'track' },
      el('div', { class: 'bar', style: { left: left + '%', width: widthPct + '%', background: serviceColor(span.serviceName) } }),
      el('span', { class: 'dur' + (100 - left - widthPct < 12 && left < 12 ? ' inside' : ''), style: durationLabelPosition(left, widthPct) },
        formatNanos(span.durationNanos))));
    row.addEventListener('click', () => {
      if (selected) selected.classList.remove('selected');
      selected = row;
      row.classList.add('selected');
      details.replaceChildren(...spanDetails(span, traceStart, brokenReason));
    });
    waterfall.append(row);
  }
  const first = rows.find(r => r.span.statusCode === 'ERROR') || rows[0];
  waterfall.querySelector(`[data-span-id="${first.span.spanId}"]`).click();

  container.append(
    el('div', { class: 'panel trace-head' },
      el('h1', {}, root ? `${root.serviceName}: ${root.name}` : 'Trace'),
      el('span', { class: 'mono muted' }, trace.traceId),
      stat('Start', formatTime(traceStart)), stat('Duration', formatNanos(total)),
      stat('Spans', el('span', { id: 'trace-span-count' }, trace.spanCount)),
      stat('Errors', errors ? el('span', { class: 'badge-error' }, errors) : '0'),
      problems.length ? stat('Propagation', el('span', { class: 'badge-warn' }, problems.join('; '))) : null),
    el('div', { class: 'legend' }, services.map(serviceChip),
      el('span', {}, el('span', { class: 'mark err' }, 'error'), ' status ERROR'),
      el('span', {}, el('span', { class: 'mark broken' }, 'orphan / lost context'), ' broken propagation (hatched bar)'),
      el('span', {}, el('span', { class: 'critical-sample' }), ' on the critical path (what the request waited for)')),
    el('div', { class: 'trace-layout' }, waterfall, details));
}

/** Right of the bar when there is room, else left of it, else inside it. */
function durationLabelPosition(leftPct, widthPct) {
  if (100 - leftPct - widthPct >= 12) return { left: `calc(${leftPct + widthPct}% + 4px)` };
  if (leftPct >= 12) return { right: `calc(${100 - leftPct}% + 4px)` };
  return { left: `calc(${leftPct}% + 6px)` };
}

function stat(label, value) {
  return el('span', { class: 'stat' }, el('span', { class: 'muted' }, label + ' '), el('b', {}, value));
}

function axis(total) {
  const ticks = el('div', { class: 'ticks' });
  for (let i = 0; i <= 4; i++) {
    ticks.append(el('span', { class: 'tick', style: { left: i * 25 + '%' } }, i === 0 ? '0' : formatNanos((total * i) / 4)));
  }
  return el('div', { class: 'wf-axis' }, el('div', { class: 'label muted', style: { padding: '5px 8px' } }, 'Service · operation'), ticks);
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
    el('a', { href: '#/trace/' + l.traceId }, 'trace ' + l.traceId.slice(0, 16) + '…'), ' span ', el('span', { class: 'mono' }, l.spanId),
    kv(Object.entries(l.attributes || {}))));
  return [
    el('h3', {}, span.name),
    brokenReason ? el('p', { class: 'badge-warn' }, brokenReason) : null,
    ...section('Span', general),
    ...section('Attributes', Object.entries(span.attributes).sort()),
    ...section('Resource', Object.entries(span.resource).sort()),
    el('h4', {}, `Events (${span.events.length})`), events.length ? events : el('p', { class: 'muted' }, 'none'),
    el('h4', {}, `Links (${span.links.length})`), links.length ? links : el('p', { class: 'muted' }, 'none'),
  ].filter(Boolean);
}
