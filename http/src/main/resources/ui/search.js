// Search: the /api/search form (service, operation, attribute filters with autocomplete,
// duration, status, limit), or a TraceQL query in its place, over the shared time range, a latency
// scatter and the results list.
import { api, el, emptyState, errorBox, formatNanos, formatTime, hrefFor, ident, navigate, rangeQuery, serviceChip, sqlObjects, timeRange } from './lib.js';
import { scatterChart } from './charts.js';

let attributeKeysCache = null;

async function attributeKeys() {
  if (!attributeKeysCache) {
    attributeKeysCache = sqlObjects('SELECT scope, "key", column_name, data_type FROM attribute_keys ORDER BY "key"')
      .catch(e => { attributeKeysCache = null; throw e; });
  }
  return attributeKeysCache;
}

export async function renderSearch(container, arg, params, current) {
  const services = (await api('/api/services')).services;
  if (!current()) return;
  container.append(el('h1', {}, 'Search traces'));
  if (services.length === 0) {
    container.append(emptyState('No spans stored yet. Send spans to POST /v1/traces (OTLP) or /api/v2/spans (Zipkin), '
      + 'or run ./contrail demo to load demo traces.'));
    return;
  }

  const service = el('select', { name: 'service', id: 'search-service' }, el('option', { value: '' }, 'any service'),
    services.map(s => el('option', { value: s }, s)));
  const operation = el('select', { name: 'operation', id: 'search-operation' }, el('option', { value: '' }, 'any operation'));
  const minDuration = el('input', { name: 'minDuration', placeholder: 'e.g. 250ms', size: 8 });
  const maxDuration = el('input', { name: 'maxDuration', placeholder: 'e.g. 2s', size: 8 });
  const status = el('select', { name: 'status' }, ['', 'error', 'ok', 'unset'].map(v => el('option', { value: v }, v || 'any status')));
  const limit = el('select', { name: 'limit' }, [20, 50, 100, 500].map(v => el('option', { value: v }, String(v))));
  limit.value = '100';
  // A TraceQL query (Tempo's language) searches instead of the filters when it is not blank.
  const traceQl = el('input', { name: 'q', id: 'search-traceql', class: 'mono', spellcheck: 'false', autocomplete: 'off',
    placeholder: 'TraceQL instead of the filters, e.g. { resource.service.name = "frontend" && status = error } >> { kind = client }' });

  const keyList = el('datalist', { id: 'attribute-keys' });
  const filters = el('div', { class: 'attr-filters' });
  const addFilter = (key = '', value = '') => {
    const valueList = el('datalist', { id: 'attr-values-' + Math.random().toString(36).slice(2) });
    const keyInput = el('input', { class: 'attr-key', placeholder: 'attribute key, e.g. http.route', list: 'attribute-keys', value: key });
    const valueInput = el('input', { class: 'attr-value', placeholder: 'value', list: valueList.id, value });
    keyInput.addEventListener('change', () => suggestValues(keyInput.value, valueList));
    valueInput.addEventListener('focus', () => suggestValues(keyInput.value, valueList));
    const row = el('div', { class: 'attr-row' }, keyInput, el('span', { class: 'muted' }, '='), valueInput, valueList,
      el('button', { type: 'button', title: 'remove this filter', onclick: () => row.remove() }, '×'));
    filters.append(row);
  };

  const form = el('form', { class: 'panel', id: 'search-form' },
    el('label', { class: 'field traceql-field' }, 'TraceQL', traceQl),
    el('div', { class: 'form-grid' },
      field('Service', service), field('Operation', operation), field('Min duration', minDuration),
      field('Max duration', maxDuration), field('Status', status), field('Limit', limit)),
    keyList, filters,
    el('div', { class: 'actions' },
      el('button', { type: 'button', onclick: () => addFilter() }, '+ attribute filter'),
      el('button', { class: 'primary', type: 'submit', id: 'search-button' }, 'Search'),
      el('span', { class: 'muted' }, 'Durations take a unit: ns, us, ms, s, m, h. A trace matches when one of its spans matches every filter.')));
  const results = el('div', { id: 'search-results' });
  container.append(form, results);

  attributeKeys().then(keys => keyList.replaceChildren(...keys.map(k => el('option', { value: k.key }, k.scope + ' · ' + k.data_type))))
    .catch(() => { /* autocomplete is a convenience; the search still works */ });

  const loadOperations = async () => {
    operation.replaceChildren(el('option', { value: '' }, 'any operation'));
    if (!service.value) return;
    const operations = (await api('/api/services/' + encodeURIComponent(service.value) + '/operations')).operations;
    const names = [...new Set(operations.map(o => o.name))];
    operation.append(...names.map(n => el('option', { value: n }, n)));
  };
  service.addEventListener('change', loadOperations);

  // Restore the form from the URL so a search can be linked and the back button works.
  if (params.get('service')) {
    service.value = params.get('service');
    await loadOperations();
    if (params.get('operation')) operation.value = params.get('operation');
  }
  for (const [name, input] of [['q', traceQl], ['minDuration', minDuration], ['maxDuration', maxDuration], ['status', status], ['limit', limit]]) {
    if (params.get(name)) input.value = params.get(name);
  }
  params.getAll('attr').forEach(a => { const i = a.indexOf('='); addFilter(a.slice(0, i), a.slice(i + 1)); });

  form.addEventListener('submit', event => {
    event.preventDefault();
    const query = new URLSearchParams();
    if (traceQl.value.trim()) {
      query.set('q', traceQl.value.trim());
      query.set('limit', limit.value);
      navigate('search', '', query);
      return;
    }
    if (service.value) query.set('service', service.value);
    if (operation.value) query.set('operation', operation.value);
    if (minDuration.value.trim()) query.set('minDuration', minDuration.value.trim());
    if (maxDuration.value.trim()) query.set('maxDuration', maxDuration.value.trim());
    if (status.value) query.set('status', status.value);
    query.set('limit', limit.value);
    filters.querySelectorAll('.attr-row').forEach(row => {
      const key = row.querySelector('.attr-key').value.trim();
      if (key) query.append('attr', key + '=' + row.querySelector('.attr-value').value);
    });
    navigate('search', '', query);
  });

  await runSearch(results, params, current);
}

function field(label, input) {
  return el('label', { class: 'field' }, label, input);
}

async function suggestValues(key, datalist) {
  if (!key) return;
  const keys = await attributeKeys().catch(() => []);
  const match = keys.find(k => k.key === key.trim());
  if (!match) return;
  const column = ident(match.column_name);
  const values = await sqlObjects(`SELECT ${column}::VARCHAR AS v, count(*) AS n FROM spans WHERE ${column} IS NOT NULL `
    + 'GROUP BY 1 ORDER BY n DESC LIMIT 25').catch(() => []);
  datalist.replaceChildren(...values.map(v => el('option', { value: v.v }, v.n + ' spans')));
}

async function runSearch(results, params, current) {
  const query = new URLSearchParams(params);
  query.delete('from');
  query.delete('to');
  if (!query.has('limit')) query.set('limit', '100');
  Object.entries(rangeQuery(timeRange(params))).forEach(([k, v]) => query.set(k, v));
  results.replaceChildren(el('p', { class: 'muted' }, 'Searching…'));
  let traces;
  try {
    traces = (await api('/api/search?' + query)).traces;
  } catch (e) {
    if (current()) results.replaceChildren(errorBox(e.message));
    return;
  }
  if (!current()) return;
  if (traces.length === 0) {
    results.replaceChildren(emptyState(query.has('q')
      ? 'No trace matches this TraceQL query in the selected time range. Widen the time range (top right) or the query.'
      : 'No trace matches these filters in the selected time range. Widen the time range (top right) or remove a filter.'));
    return;
  }
  const points = traces.map(t => ({
    xMs: t.startTimeUnixNano / 1e6, y: t.durationNanos / 1e6, error: t.errorCount > 0, traceId: t.traceId,
    label: `${t.rootName ? t.rootServiceName + ': ' + t.rootName : t.traceId} · ${formatNanos(t.durationNanos)}`
      + (t.errorCount ? ` · ${t.errorCount} errors` : ''),
  }))
    .sort((a, b) => a.xMs - b.xMs);
  const chart = el('div', { class: 'scatter' });
  const errors = traces.filter(t => t.errorCount > 0).length;
  results.replaceChildren(
    el('div', { class: 'chart-box' }, el('h3', {}, 'Trace duration over time ',
      el('span', { class: 'muted' }, '(click a point to open the trace) '),
      el('span', { class: 'legend-dot', style: { background: '#3b82f6' } }), ' ok ',
      el('span', { class: 'legend-dot', style: { background: '#d92d20' } }), ' with errors'), chart),
    el('h2', {}, `${traces.length} traces`, errors ? el('span', { class: 'badge-error' }, ` · ${errors} with errors`) : ''),
    el('div', { class: 'wide-table' }, el('table', { class: 'grid', id: 'search-table' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Start (UTC)'), el('th', {}, 'Root'), el('th', { class: 'num' }, 'Duration'),
        el('th', { class: 'num' }, 'Spans'), el('th', { class: 'num' }, 'Errors'), el('th', {}, 'Services'))),
      // A click on the row opens the trace; one on its link is the link's (no second step in the history).
      el('tbody', {}, traces.map(t => el('tr', { class: 'clickable trace-result', 'data-trace-id': t.traceId,
        onclick: event => { if (!event.target.closest('a')) navigate('trace', t.traceId); } },
        el('td', { class: 'mono nowrap' }, formatTime(t.startTimeUnixNano)),
        el('td', {}, el('a', { href: hrefFor('trace', t.traceId) }, t.rootName ? `${t.rootServiceName}: ${t.rootName}` : '(no root span) ' + t.traceId.slice(0, 12))),
        el('td', { class: 'num' }, formatNanos(t.durationNanos)),
        el('td', { class: 'num' }, t.spanCount),
        el('td', { class: 'num' }, t.errorCount ? el('span', { class: 'badge-error' }, t.errorCount) : '0'),
        el('td', {}, t.services.map(serviceChip))))))));
  scatterChart(chart, {
    points, yFormat: v => formatNanos(v * 1e6),
    onPick: i => navigate('trace', points[i].traceId),
  });
}
