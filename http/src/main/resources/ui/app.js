// The Contrail web UI: a hash router over six screens. Every screen reads the public HTTP API
// (/api/search, /api/traces, /api/sql, ...), so what the UI shows a user can also get with curl.
// Screens share lib.js, charts.js and heatmap.js; only this module imports the screens.
import { currentRoute, el, errorBox, navigate, timeRange } from './lib.js';
import { renderSearch } from './search.js';
import { renderTrace } from './trace.js';
import { renderMap } from './map.js';
import { renderRed } from './red.js';
import { renderSql } from './sql.js';
import { renderCompare } from './compare.js';

const screens = {
  search: renderSearch,
  trace: renderTrace,
  map: renderMap,
  red: renderRed,
  sql: renderSql,
  compare: renderCompare,
};

let renderCount = 0;

async function route() {
  const { screen, arg, params } = currentRoute();
  showRange();
  const render = screens[screen] || renderSearch;
  document.querySelectorAll('.topbar nav a').forEach(a =>
    a.classList.toggle('active', a.dataset.screen === screen || (screen === 'trace' && a.dataset.screen === 'search')));
  const main = document.getElementById('screen');
  const mine = ++renderCount;
  main.replaceChildren();
  const container = el('div', { class: 'screen screen-' + screen });
  main.append(container);
  try {
    await render(container, arg, params, () => mine === renderCount);
  } catch (e) {
    if (mine === renderCount) container.replaceChildren(errorBox(e.message));
  }
  if (mine === renderCount) window.dispatchEvent(new Event('contrail:rendered'));
}

/** A trace ID as typed or pasted: hex, possibly with dashes or spaces (a UUID form), 16 or 32 digits. */
function traceIdOf(text) {
  const id = text.trim().toLowerCase().replace(/[\s-]/g, '');
  return /^([0-9a-f]{16}|[0-9a-f]{32})$/.test(id) ? id : null;
}

const traceIdBox = document.getElementById('trace-id-box');
document.getElementById('trace-id-form').addEventListener('submit', event => {
  event.preventDefault();
  const id = traceIdOf(traceIdBox.value);
  traceIdBox.classList.toggle('invalid', !id);
  traceIdBox.setCustomValidity(id ? '' : 'A trace ID is 32 hexadecimal digits (or 16, for a 64-bit ID).');
  if (!id) {
    traceIdBox.reportValidity();
    return;
  }
  traceIdBox.value = '';
  traceIdBox.blur();
  navigate('trace', id);
});
traceIdBox.addEventListener('input', () => { traceIdBox.classList.remove('invalid'); traceIdBox.setCustomValidity(''); });

// Keys: / the search (the TraceQL box), t the trace-ID box, Esc closes panels (the span details) and leaves a field.
document.addEventListener('keydown', async event => {
  // A key an editor or its completion list took already (CodeMirror's Esc closes its list) is not ours.
  if (event.defaultPrevented) return;
  const typing = event.target.closest && event.target.closest('input, textarea, select, [contenteditable], .CodeMirror');
  if (event.key === 'Escape') {
    if (typing) event.target.blur();
    else document.querySelectorAll('[data-close-on-escape]').forEach(panel => { panel.hidden = true; });
    return;
  }
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === 't') {
    event.preventDefault();
    traceIdBox.focus();
  } else if (event.key === '/') {
    event.preventDefault();
    if (currentRoute().screen !== 'search') {
      navigate('search');
      await new Promise(resolve => window.addEventListener('contrail:rendered', resolve, { once: true }));
    }
    document.getElementById('search-traceql')?.focus();
  }
});

// ---- the time range in the header, kept in the address (lib.js, timeRange)

const rangeSelect = document.getElementById('time-range');
const customRange = document.getElementById('range-custom');
const rangeFrom = document.getElementById('range-from');
const rangeTo = document.getElementById('range-to');

/** A datetime-local input's value for a UTC time (the inputs show UTC, as every time in the UI). */
const utcInput = ms => new Date(ms).toISOString().slice(0, 19);

const customOption = rangeSelect.querySelector('option[value="custom"]');
const rangeEdit = document.getElementById('range-edit');

/** The header shows the range of the address (after a link was opened, or back and forward). */
function showRange() {
  const range = timeRange();
  rangeSelect.value = range.key;
  customRange.hidden = true;
  rangeEdit.hidden = range.key !== 'custom';
  customOption.textContent = 'from … to … (UTC)';
  if (range.key === 'custom') {
    rangeFrom.value = utcInput(range.startMs);
    rangeTo.value = utcInput(range.endMs ?? Date.now());
    customOption.textContent = rangeFrom.value.replace('T', ' ') + ' → '
      + (range.endMs == null ? 'now' : rangeTo.value.replace('T', ' ')) + ' UTC';
  }
  // The screens' links keep the range.
  const kept = new URLSearchParams(range.params).toString();
  document.querySelectorAll('.topbar nav a').forEach(a => { a.href = '#/' + a.dataset.screen + (kept ? '?' + kept : ''); });
}

/** Opens the current screen again over another range: a step in the history, so that back returns to the last. */
function applyRange(params) {
  const { screen, arg, params: current } = currentRoute();
  const next = new URLSearchParams(current);
  next.delete('from');
  next.delete('to');
  Object.entries(params).forEach(([k, v]) => next.set(k, v));
  navigate(screen, arg, next, false);
}

/** Opens the from/to form over the page, filled with the range shown now (or the last hour). */
function editRange() {
  const range = timeRange();
  rangeFrom.value = utcInput(range.startMs ?? Date.now() - 3600e3);
  rangeTo.value = utcInput(range.endMs ?? Date.now());
  customRange.hidden = false;
  rangeFrom.focus();
}

rangeEdit.addEventListener('click', () => { if (customRange.hidden) editRange(); else customRange.hidden = true; });
rangeSelect.addEventListener('change', () => {
  if (rangeSelect.value === 'custom') {
    editRange();
  } else {
    applyRange(rangeSelect.value === 'all' ? {} : { from: 'now-' + rangeSelect.value, to: 'now' });
  }
});
customRange.addEventListener('submit', event => {
  event.preventDefault();
  const from = Date.parse(rangeFrom.value + 'Z');
  const to = Date.parse(rangeTo.value + 'Z');
  rangeTo.setCustomValidity(from < to ? '' : 'The end must come after the start.');
  if (!customRange.reportValidity()) return;
  applyRange({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
});
rangeTo.addEventListener('input', () => rangeTo.setCustomValidity(''));

window.addEventListener('hashchange', route);
route();
