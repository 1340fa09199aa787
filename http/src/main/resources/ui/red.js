// RED charts for one service (and optionally one operation): request rate, error rate and latency
// percentiles per time bucket, over the entry spans (SERVER, CONSUMER, roots) of the shared time
// range. Rates count sample_weight, so sampled-away spans are counted; percentiles are over the
// kept spans.
import { api, el, emptyState, formatNanos, formatNumber, literal, navigate, sqlObjects, timeCondition, timeRange } from './lib.js';
import { chartBox, lineChart } from './charts.js';

const BUCKETS_SECONDS = [60, 300, 900, 3600, 21600, 86400];
const MAX_BUCKETS = 240;
const ENTRY = "(kind IN ('SERVER', 'CONSUMER') OR parent_span_id IS NULL)";

export async function renderRed(container, arg, params, current) {
  const services = (await api('/api/services')).services;
  if (!current()) return;
  container.append(el('h1', {}, 'Rate, errors, duration'));
  if (services.length === 0) {
    container.append(emptyState('No spans stored yet; run ./contrail demo or send spans to see RED charts.'));
    return;
  }
  // Without a choice, the service with the most entry spans (usually the one users call).
  const serviceName = params.get('service') && services.includes(params.get('service')) ? params.get('service')
    : ((await sqlObjects(`SELECT service_name FROM spans WHERE ${ENTRY} AND ${timeCondition()} GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`))[0]
      || { service_name: services[0] }).service_name;
  const operationName = params.get('operation') || '';
  const service = el('select', { id: 'red-service' }, services.map(s => el('option', { value: s }, s)));
  service.value = serviceName;
  const operations = (await api('/api/services/' + encodeURIComponent(serviceName) + '/operations')).operations;
  const entryNames = new Set(operations.filter(o => o.spanKind === 'SERVER' || o.spanKind === 'CONSUMER').map(o => o.name));
  if (operationName) entryNames.add(operationName);
  const operation = el('select', { id: 'red-operation' }, el('option', { value: '' }, 'all entry operations'),
    [...entryNames].sort().map(n => el('option', { value: n }, n)));
  operation.value = operationName;
  const go = () => navigate('red', '', operation.value && service.value === serviceName
    ? { service: service.value, operation: operation.value } : { service: service.value });
  service.addEventListener('change', () => { operation.value = ''; go(); });
  operation.addEventListener('change', go);
  container.append(el('div', { class: 'panel' }, el('div', { class: 'form-grid' },
    el('label', { class: 'field' }, 'Service', service), el('label', { class: 'field' }, 'Operation', operation)),
    el('p', { class: 'muted', style: { margin: '10px 0 0' } }, 'Entry spans only (SERVER, CONSUMER and roots) in the selected time range; '
      + 'request counts include the spans sampling dropped (sample_weight).')));

  const where = `service_name = ${literal(serviceName)} AND ${ENTRY} AND ${timeCondition()}`
    + (operationName ? ` AND name = ${literal(operationName)}` : '');
  const [bounds] = await sqlObjects(`SELECT epoch_ms(min(start_time)) AS lo, epoch_ms(max(start_time)) AS hi FROM spans WHERE ${where}`);
  if (!current()) return;
  if (bounds.lo == null) {
    container.append(emptyState(`No entry spans of ${serviceName}${operationName ? ' / ' + operationName : ''} in the selected time range.`));
    return;
  }
  const { startMs } = timeRange();
  const fromMs = startMs ?? bounds.lo, toMs = Math.max(bounds.hi, startMs == null ? bounds.hi : Date.now());
  const bucketSeconds = BUCKETS_SECONDS.find(b => (toMs - fromMs) / 1000 / b <= MAX_BUCKETS) || 86400;
  const [series, byOperation] = await Promise.all([
    sqlObjects(`SELECT epoch_ms(time_bucket(INTERVAL '${bucketSeconds} seconds', start_time::TIMESTAMP)) AS t, `
      + `sum(sample_weight) / ${bucketSeconds} AS rate, `
      + "100.0 * coalesce(sum(sample_weight) FILTER (WHERE status_code = 'ERROR'), 0) / sum(sample_weight) AS error_pct, "
      + 'quantile_cont(duration_nanos, 0.5) AS p50, quantile_cont(duration_nanos, 0.95) AS p95, quantile_cont(duration_nanos, 0.99) AS p99 '
      + `FROM spans WHERE ${where} GROUP BY 1 ORDER BY 1`),
    sqlObjects(`SELECT name, sum(sample_weight) AS calls, `
      + "100.0 * coalesce(sum(sample_weight) FILTER (WHERE status_code = 'ERROR'), 0) / sum(sample_weight) AS error_pct, "
      + 'quantile_cont(duration_nanos, 0.5) AS p50, quantile_cont(duration_nanos, 0.99) AS p99 '
      + `FROM spans WHERE service_name = ${literal(serviceName)} AND ${ENTRY} AND ${timeCondition()} GROUP BY 1 ORDER BY calls DESC`),
  ]);
  if (!current()) return;

  // Every bucket of the window gets a point: a bucket without spans is a rate of 0, not a gap in the line.
  const first = Math.floor(series[0].t / 1000 / bucketSeconds) * bucketSeconds * 1000;
  const last = series[series.length - 1].t;
  const byTime = new Map(series.map(r => [r.t, r]));
  const xMs = [];
  for (let t = first; t <= last; t += bucketSeconds * 1000) xMs.push(t);
  const pick = (key, empty) => xMs.map(t => (byTime.has(t) ? byTime.get(t)[key] : empty));
  const per = bucketSeconds === 60 ? 'per minute' : `per ${formatNanos(bucketSeconds * 1e9).replace(/\.00 /, ' ')}`;
  const rateBox = el('div'), errorBox = el('div'), latencyBox = el('div');
  container.append(el('div', { class: 'charts', id: 'red-charts' },
    chartBox(`Rate (requests/s, ${per})`, rateBox), chartBox(`Errors (% of requests, ${per})`, errorBox),
    chartBox(`Duration p50 / p95 / p99 (${per})`, latencyBox)));
  lineChart(rateBox, { xMs, series: [{ label: 'req/s', values: pick('rate', 0), color: '#2459d6' }], yFormat: v => formatNumber(v, 2) });
  lineChart(errorBox, { xMs, series: [{ label: 'error %', values: pick('error_pct', null), color: '#d92d20' }], spanGaps: true, yFormat: v => formatNumber(v, 1) + '%' });
  lineChart(latencyBox, {
    xMs, yFormat: v => formatNanos(v), spanGaps: true,
    series: [{ label: 'p50', values: pick('p50', null), color: '#10b981' }, { label: 'p95', values: pick('p95', null), color: '#f59e0b' },
      { label: 'p99', values: pick('p99', null), color: '#d92d20' }],
  });

  container.append(el('h2', {}, `Entry operations of ${serviceName}`),
    el('table', { class: 'grid', id: 'red-operations' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Operation'), el('th', { class: 'num' }, 'Requests'), el('th', { class: 'num' }, 'Error %'),
        el('th', { class: 'num' }, 'p50'), el('th', { class: 'num' }, 'p99'), el('th', {}, ''))),
      el('tbody', {}, byOperation.map(o => el('tr', {
        class: 'clickable' + (o.name === operationName ? ' selected' : ''),
        onclick: () => navigate('red', '', { service: serviceName, operation: o.name }),
      },
      el('td', {}, o.name), el('td', { class: 'num' }, formatNumber(Math.round(o.calls))),
      el('td', { class: 'num' }, o.error_pct > 0 ? el('span', { class: 'badge-error' }, formatNumber(o.error_pct, 2)) : '0'),
      el('td', { class: 'num' }, formatNanos(Math.round(o.p50))), el('td', { class: 'num' }, formatNanos(Math.round(o.p99))),
      el('td', {}, el('a', { href: '#/search?' + new URLSearchParams({ service: serviceName, operation: o.name }), onclick: e => e.stopPropagation() }, 'traces')))))));
}
