// The Contrail web UI: a hash router over six screens. Every screen reads the public HTTP API
// (/api/search, /api/traces, /api/sql, ...), so what the UI shows a user can also get with curl.
// Screens share lib.js and charts.js; only this module imports the screens.
import { currentRoute, el, errorBox, navigate } from './lib.js';
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
  const typing = event.target.closest && event.target.closest('input, textarea, select, [contenteditable], .cm-editor');
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

window.addEventListener('hashchange', route);
document.getElementById('time-range').value = sessionStorage.getItem('contrail.range') || 'all';
document.getElementById('time-range').addEventListener('change', e => {
  sessionStorage.setItem('contrail.range', e.target.value);
  if (currentRoute().screen !== 'trace' && currentRoute().screen !== 'sql') route();
});
route();
