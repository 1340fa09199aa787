// Compare: what is different about some spans? The selection and the baseline are filters in
// /api/search's syntax; /api/compare ranks every attribute value (span and resource, promoted or
// not) by how much more (or less) often it appears in the selection than in the baseline.
import { api, el, emptyState, errorBox, formatNumber, navigate, rangeQuery, timeRange } from './lib.js';
import { latencyHeatmap } from './heatmap.js';

const PRESETS = [
  { label: 'Errors vs the rest', selection: 'status=error', baseline: '' },
  { label: 'Slower than 1 s vs the rest', selection: 'minDuration=1s', baseline: '' },
  { label: 'Slow frontend vs all frontend', selection: 'service=frontend&minDuration=500ms', baseline: 'service=frontend' },
];

export async function renderCompare(container, arg, params, current) {
  container.append(el('h1', {}, 'What is different about these spans?'));
  // Drawn beside the comparison, not before it: its two scans of the range need not hold the answer up.
  const heatmap = el('div');
  container.append(heatmap);
  heatmapPanel(heatmap, params, current).catch(e => heatmap.replaceChildren(errorBox('The heatmap could not be drawn: ' + e.message)));
  const selection = el('input', { id: 'compare-selection', value: params.get('selection') ?? 'status=error',
    placeholder: 'status=error', size: 40 });
  const baseline = el('input', { id: 'compare-baseline', value: params.get('baseline') ?? '',
    placeholder: 'empty: every other span in the time range', size: 40 });
  const run = () => navigate('compare', '', { selection: selection.value.trim(), baseline: baseline.value.trim(),
    ...(params.get('heatmap') ? { heatmap: params.get('heatmap') } : {}) });
  [selection, baseline].forEach(input => input.addEventListener('keydown', e => { if (e.key === 'Enter') run(); }));
  container.append(el('div', { class: 'panel' },
    el('div', { class: 'form-grid compare-form' },
      el('label', { class: 'field' }, 'Selection', selection),
      el('label', { class: 'field' }, 'Baseline', baseline),
      el('button', { id: 'compare-run', onclick: run }, 'Compare')),
    el('p', { class: 'muted', style: { margin: '10px 0 0' } },
      'Filters as in search: service=…&operation=…&attr=key=value&minDuration=…&maxDuration=…&status=error|ok|unset. ',
      'Try: ', PRESETS.map(p => el('a', { href: '#', class: 'preset', onclick: e => {
        e.preventDefault();
        selection.value = p.selection;
        baseline.value = p.baseline;
        run();
      } }, p.label)).flatMap((a, i) => i ? [' · ', a] : [a]))));
  const results = el('div', { id: 'compare-results' });
  container.append(results);
  if (!params.has('selection')) {
    results.append(emptyState('Pick a selection (e.g. status=error) and press Compare.'));
    return;
  }
  const query = new URLSearchParams({ selection: params.get('selection'), limit: '40' });
  if (params.get('baseline')) query.set('baseline', params.get('baseline'));
  Object.entries(rangeQuery(timeRange(params))).forEach(([k, v]) => query.set(k, v));
  results.append(el('p', { class: 'muted' }, 'Comparing…'));
  let answer;
  try {
    answer = await api('/api/compare?' + query);
  } catch (e) {
    if (current()) results.replaceChildren(errorBox(e.message));
    return;
  }
  if (!current()) return;
  if (!answer.differences.length) {
    results.replaceChildren(emptyState(answer.selectionSpans
      ? 'No attribute value sets the selection apart from the baseline.' : 'No span matches the selection in this time range.'));
    return;
  }
  const bar = (share, cls) => el('div', { class: 'share ' + cls },
    el('div', { class: 'share-fill', style: { width: Math.max(0.5, 100 * share) + '%' } }),
    el('span', {}, formatNumber(100 * share, 1) + '%'));
  results.replaceChildren(
    el('p', {}, `${formatNumber(answer.selectionSpans, 0)} spans selected, ${formatNumber(answer.baselineSpans, 0)} in the baseline`
      + (answer.sampled ? ' (large slices are sampled; shares are estimates)' : '') + '. Click a row to search its traces.'),
    el('div', { class: 'wide-table' }, el('table', { class: 'grid', id: 'compare-table' },
      el('thead', {}, el('tr', {}, ['dimension', 'value', 'in selection', 'in baseline', 'selection spans', 'baseline spans']
        .map(h => el('th', {}, h)))),
      el('tbody', {}, answer.differences.map(d => el('tr', {
        class: 'clickable compare-row' + (d.difference > 0 ? ' over' : ' under'),
        onclick: () => navigate('search', '', searchFor(d)),
      },
      el('td', { class: 'mono' }, d.dimension), el('td', {}, String(d.value)),
      el('td', {}, bar(d.selectionShare, 'selection')), el('td', {}, bar(d.baselineShare, 'baseline')),
      el('td', {}, formatNumber(d.selectionCount, 0)), el('td', {}, formatNumber(d.baselineCount, 0))))))));
}

/** The search that shows traces with this value. */
function searchFor(difference) {
  const { dimension, value } = difference;
  if (dimension === 'service_name') return { service: value };
  if (dimension === 'name') return { operation: value };
  if (dimension === 'status_code') return { status: String(value).toLowerCase() };
  const key = dimension.replace(/^(attr|resource)\./, '');
  return { attr: key + '=' + value };
}

/**
 * The latency heatmap over the time range (of one service, or all), above the comparison: dragging over a region
 * compares its spans (that time window, that duration band) with the rest of the window.
 */
async function heatmapPanel(container, params, current) {
  const services = (await api('/api/services')).services;
  if (!current() || services.length === 0) return;
  const service = el('select', { id: 'heatmap-service' }, el('option', { value: '' }, 'all services'),
    services.map(s => el('option', { value: s }, s)));
  service.value = services.includes(params.get('heatmap')) ? params.get('heatmap') : '';
  service.addEventListener('change', () => {
    const next = new URLSearchParams(params);
    if (service.value) next.set('heatmap', service.value); else next.delete('heatmap');
    navigate('compare', '', next);
  });
  const chart = el('div', { class: 'heatmap-box' }, el('p', { class: 'muted' }, 'Drawing the heatmap…'));
  container.append(el('div', { class: 'panel' },
    el('div', { class: 'heatmap-head' }, el('h3', {}, 'Latency heatmap'), service,
      el('span', { class: 'muted' }, 'Span duration (log scale) over start time; darker cells hold more spans. '
        + 'Drag over a region to see what is different about its spans.')),
    chart));
  // A failure here reaches renderCompare's catch, which says so in place of the panel.
  const { startMs, endMs } = timeRange(params);
  await latencyHeatmap(chart, {
    service: service.value, startMs, endMs,
    onSelect: region => {
      const scope = service.value ? 'service=' + encodeURIComponent(service.value) : '';
      navigate('compare', '', {
        selection: (scope ? scope + '&' : '') + `minDuration=${region.minNanos}ns&maxDuration=${region.maxNanos}ns`,
        baseline: scope, ...(service.value ? { heatmap: service.value } : {}),
        from: new Date(region.startMs).toISOString(), to: new Date(region.endMs).toISOString(),
      });
    },
  });
}
