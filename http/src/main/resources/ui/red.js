// RED charts for one service (and optionally one operation): request rate, error rate and latency
// percentiles per step over the shared time range, and the service's operations over the whole
// range, as /api/metrics/red answers them: requests are SERVER and CONSUMER spans, counts are sums
// of sample_weight (sampled-away spans are counted) and percentiles weigh each span by it.
import { api, el, emptyState, formatMillis, formatNanos, formatNumber, hrefFor, navigate, timeRange } from './lib.js';
import { chartBox, lineChart } from './charts.js';

/** Operations listed at most (the API's cap on series). */
const MAX_OPERATIONS = 100;

function red(parameters) {
  return api('/api/metrics/red?' + new URLSearchParams(parameters));
}

/** The shared time range as RED parameters: its start and end (or now), or every request ("all time"). */
function rangeParameters(params) {
  const { startMs, endMs } = timeRange(params);
  return startMs == null ? { range: 'all' } : { start: Math.round(startMs), end: Math.round(endMs ?? Date.now()) };
}

export async function renderRed(container, arg, params, current) {
  const services = (await api('/api/services')).services;
  if (!current()) return;
  container.append(el('h1', {}, 'Rate, errors, duration'));
  if (services.length === 0) {
    container.append(emptyState('No spans stored yet; run ./contrail demo or send spans to see RED charts.'));
    return;
  }
  const range = rangeParameters(params);
  // Without a choice, the service with the most requests (usually the one users call).
  const serviceName = params.get('service') && services.includes(params.get('service')) ? params.get('service')
    : ((await red({ ...range, groupBy: 'service_name', limit: 1 })).series[0]?.group ?? services[0]);
  const operationName = params.get('operation') || '';
  const service = el('select', { id: 'red-service' }, services.map(s => el('option', { value: s }, s)));
  service.value = serviceName;
  const operations = (await api('/api/services/' + encodeURIComponent(serviceName) + '/operations')).operations;
  const entryNames = new Set(operations.filter(o => o.spanKind === 'SERVER' || o.spanKind === 'CONSUMER').map(o => o.name));
  if (operationName) entryNames.add(operationName);
  const operation = el('select', { id: 'red-operation' }, el('option', { value: '' }, 'all operations'),
    [...entryNames].sort().map(n => el('option', { value: n }, n)));
  operation.value = operationName;
  const go = () => navigate('red', '', operation.value && service.value === serviceName
    ? { service: service.value, operation: operation.value } : { service: service.value });
  service.addEventListener('change', () => { operation.value = ''; go(); });
  operation.addEventListener('change', go);
  container.append(el('div', { class: 'panel' }, el('div', { class: 'form-grid' },
    el('label', { class: 'field' }, 'Service', service), el('label', { class: 'field' }, 'Operation', operation)),
    el('p', { class: 'muted', style: { margin: '10px 0 0' } }, 'Requests are SERVER and CONSUMER spans in the selected time range; '
      + 'counts include the spans sampling dropped and percentiles weigh each span by its sample_weight (/api/metrics/red).')));

  // The service's window fixes the steps, so that the charts of one of its operations and the
  // operations table cover the same time.
  const ofService = await red({ service: serviceName, ...range });
  if (!current()) return;
  if (ofService.series.length === 0) {
    container.append(emptyState(`No requests of ${serviceName} in the selected time range.`));
    return;
  }
  const { timestamps, stepMillis } = ofService;
  const covered = range.range ? { start: timestamps[0], end: timestamps[0] + timestamps.length * stepMillis } : range;
  const [charted, byOperation] = await Promise.all([
    operationName ? red({ service: serviceName, operation: operationName, ...covered, step: stepMillis + 'ms' }) : ofService,
    red({ service: serviceName, groupBy: 'name', limit: MAX_OPERATIONS, ...covered, step: (covered.end - covered.start) + 'ms' }),
  ]);
  if (!current()) return;
  const series = charted.series[0];
  if (!series) {
    container.append(emptyState(`No requests of ${serviceName} / ${operationName} in the selected time range.`));
    return;
  }

  const per = stepMillis === 60000 ? 'per minute' : `per ${formatNanos(stepMillis * 1e6).replace(/\.00 /, ' ')}`;
  const rateBox = el('div'), errorBox = el('div'), latencyBox = el('div');
  container.append(el('div', { class: 'charts', id: 'red-charts' },
    chartBox(`Rate (requests/s, ${per})`, rateBox), chartBox(`Errors (% of requests, ${per})`, errorBox),
    chartBox(`Duration p50 / p95 / p99 (${per}, log scale)`, latencyBox)));
  const xMs = charted.timestamps;
  // A log scale has no zero: a step whose percentile is 0 ns is left out, as one with no requests.
  const nanos = values => values.map(ms => (ms == null || ms <= 0 ? null : ms * 1e6));
  lineChart(rateBox, { xMs, stepMs: stepMillis, series: [{ label: 'req/s', values: series.rate, color: '#2459d6' }], yFormat: v => formatNumber(v, 2) });
  lineChart(errorBox, {
    xMs, stepMs: stepMillis, spanGaps: true, yFormat: v => formatNumber(v, 1) + '%',
    series: [{ label: 'error %', values: series.errorRate.map(r => (r == null ? null : 100 * r)), color: '#d92d20' }],
  });
  // On a log scale p50, p95 and p99 stay apart however far the tail reaches.
  lineChart(latencyBox, {
    xMs, stepMs: stepMillis, log: true, yFormat: v => formatNanos(Math.round(v)), spanGaps: true,
    series: [{ label: 'p50', values: nanos(series.p50), color: '#10b981' }, { label: 'p95', values: nanos(series.p95), color: '#f59e0b' },
      { label: 'p99', values: nanos(series.p99), color: '#d92d20' }],
  });

  container.append(el('h2', {}, `Operations of ${serviceName}`),
    el('table', { class: 'grid', id: 'red-operations' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Operation'), el('th', { class: 'num' }, 'Requests'), el('th', { class: 'num' }, 'Error %'),
        el('th', { class: 'num' }, 'p50'), el('th', { class: 'num' }, 'p99'), el('th', {}, ''))),
      el('tbody', {}, byOperation.series.map(o => el('tr', {
        class: 'clickable' + (o.group === operationName ? ' selected' : ''),
        onclick: () => navigate('red', '', { service: serviceName, operation: o.group }),
      },
      el('td', {}, o.group), el('td', { class: 'num' }, formatNumber(o.requests)),
      el('td', { class: 'num' }, o.errorRate[0] > 0 ? el('span', { class: 'badge-error' }, formatNumber(100 * o.errorRate[0], 2)) : '0'),
      el('td', { class: 'num' }, formatMillis(o.p50[0])), el('td', { class: 'num' }, formatMillis(o.p99[0])),
      el('td', {}, el('a', { href: hrefFor('search', '', { service: serviceName, operation: o.group }), onclick: e => e.stopPropagation() }, 'traces')))))),
    ...(byOperation.otherGroups > 0 ? [el('p', { class: 'muted' }, `and ${byOperation.otherGroups} more operations with fewer requests`)] : []));
}
