// The Contrail web UI: a hash router over six screens. Every screen reads the public HTTP API
// (/api/search, /api/traces, /api/sql, ...), so what the UI shows a user can also get with curl.
// Screens share lib.js and charts.js; only this module imports the screens.
import { currentRoute, el, errorBox } from './lib.js';
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
}

window.addEventListener('hashchange', route);
document.getElementById('time-range').value = sessionStorage.getItem('contrail.range') || 'all';
document.getElementById('time-range').addEventListener('change', e => {
  sessionStorage.setItem('contrail.range', e.target.value);
  if (currentRoute().screen !== 'trace' && currentRoute().screen !== 'sql') route();
});
route();
