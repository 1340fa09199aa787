// What every screen shares: the API client, the time range, DOM building, formatting and
// navigation. Screens import this module (and charts.js), never the router in app.js, so the
// modules form no cycle.

/** Parses "#/trace/abc?x=1" into { screen: 'trace', arg: 'abc', params }. */
export function currentRoute() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, query] = hash.split('?', 2);
  const [screen, ...rest] = path.split('/');
  return { screen: screen || 'search', arg: rest.map(decodeURIComponent).join('/'), params: new URLSearchParams(query || '') };
}

/**
 * Opens a screen; when the address would not change, the router is told to render it again. The time range of the
 * current address goes along unless {@code params} name one (or {@code keepRange} is false).
 */
export function navigate(screen, arg, params, keepRange = true) {
  const hash = hrefFor(screen, arg, params, keepRange);
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

/** The address {@link navigate} opens, for a link's href: the current time range goes along. */
export function hrefFor(screen, arg, params, keepRange = true) {
  let hash = '#/' + screen + (arg ? '/' + encodeURIComponent(arg) : '');
  const next = new URLSearchParams(params || {});
  if (keepRange && !next.has('from')) Object.entries(timeRange().params).forEach(([k, v]) => next.set(k, v));
  const query = next.toString();
  return query ? hash + '?' + query : hash;
}

// ---- API

const TOKEN_KEY = 'contrail.token';
let tokenPrompt = null;

/**
 * fetch() with the token the user gave, for a server started with --auth: every API call goes through
 * here. A 401 (no or an unknown token) or 403 (a token that may not read) asks for a token and tries again;
 * the token is kept in sessionStorage, for this tab only.
 */
export async function authorizedFetch(path, options = {}) {
  for (;;) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers = new Headers(options.headers || {});
    if (token) headers.set('Authorization', 'Bearer ' + token);
    const response = await fetch(path, { ...options, headers });
    if (response.status !== 401 && response.status !== 403) return response;
    const body = await response.json().catch(() => ({}));
    if (sessionStorage.getItem(TOKEN_KEY) === token) sessionStorage.removeItem(TOKEN_KEY);
    await askForToken(token ? 'That token was refused: ' + (body.error || response.status) : 'This server needs a token.');
  }
}

/** Shows the token form, once however many calls wait for it; resolves when a token was entered. */
function askForToken(message) {
  if (!tokenPrompt) {
    tokenPrompt = new Promise(resolve => {
      const input = el('input', { id: 'token-input', type: 'password', autocomplete: 'off', placeholder: 'token', size: 40 });
      const form = el('form', { id: 'token-form', class: 'panel token-form' },
        el('h2', {}, 'Token'),
        el('p', { id: 'token-message' }, message),
        el('p', { class: 'muted' }, 'Enter a token with the query scope (from the server\'s --auth file). It is kept for this tab only.'),
        input, ' ', el('button', { type: 'submit', class: 'primary', id: 'token-button' }, 'Use token'));
      const overlay = el('div', { class: 'token-overlay' }, form);
      form.addEventListener('submit', e => {
        e.preventDefault();
        const token = input.value.trim();
        if (!token) return;
        sessionStorage.setItem(TOKEN_KEY, token);
        overlay.remove();
        tokenPrompt = null;
        resolve();
      });
      document.body.append(overlay);
      input.focus();
    });
  }
  return tokenPrompt;
}

/** GET or POST a JSON API; throws an Error carrying the server's message. */
export async function api(path, options = {}) {
  const response = await authorizedFetch(path, options);
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!response.ok) {
    throw new Error((body && body.error) || text || (response.status + ' ' + response.statusText));
  }
  return body;
}

/** Runs read-only SQL through /api/sql; the answer is { columns, rows, truncated }. */
export function sql(query) {
  return api('/api/sql', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sql: query }) });
}

/** Rows of a SQL answer as objects keyed by column name. */
export async function sqlObjects(query) {
  const result = await sql(query);
  return result.rows.map(row => Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]])));
}

/** A SQL string literal. */
export function literal(value) {
  return "'" + String(value).replaceAll("'", "''") + "'";
}

/** A SQL identifier, e.g. "attr.http.route". */
export function ident(name) {
  return '"' + String(name).replaceAll('"', '""') + '"';
}

// ---- time range shared by search, map, RED and compare: in the address as Grafana writes it
// (from=now-1h&to=now, or from and to as UTC times), so that a link reopens the same range; none is all time.

const UNIT_MS = { s: 1e3, m: 60e3, h: 3600e3, d: 24 * 3600e3, w: 7 * 24 * 3600e3 };
/** The relative ranges the header offers. */
export const RELATIVE_RANGES = ['15m', '1h', '6h', '24h', '7d'];

/**
 * The range of an address's parameters: { key, startMs, endMs, params } — key a relative range ('1h'), 'custom'
 * (absolute times, or another relative length) or 'all'; endMs null for now; params the address's own parameters.
 */
export function timeRange(params = currentRoute().params) {
  const from = params.get('from');
  const to = params.get('to');
  if (!from) return { key: 'all', startMs: null, endMs: null, params: {} };
  const relative = /^now-(\d+)([smhdw])$/.exec(from);
  if (relative && (!to || to === 'now')) {
    const key = relative[1] + relative[2];
    return { key: RELATIVE_RANGES.includes(key) ? key : 'custom', startMs: Date.now() - Number(relative[1]) * UNIT_MS[relative[2]],
      endMs: null, params: { from, to: 'now' } };
  }
  // Absolute times as UTC text, or as Unix milliseconds (how Grafana writes them in its addresses).
  const instant = text => (/^\d+$/.test(text) ? Number(text) : Date.parse(text));
  const startMs = instant(from);
  const endMs = to && to !== 'now' ? instant(to) : null;
  if (Number.isNaN(startMs) || Number.isNaN(endMs)) return { key: 'all', startMs: null, endMs: null, params: {}, invalid: true };
  return { key: 'custom', startMs, endMs, params: { from, to: to || 'now' } };
}

/** The API's start and end parameters (Unix milliseconds) for a range; none for all time. */
export function rangeQuery(range = timeRange()) {
  const query = {};
  if (range.startMs != null) query.start = String(Math.floor(range.startMs));
  if (range.endMs != null) query.end = String(Math.ceil(range.endMs));
  return query;
}

// ---- DOM and formatting helpers

/** Creates an element: el('a', { href, class, onclick }, child, ...). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'style' && typeof value === 'object') Object.assign(node.style, value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function errorBox(message) {
  return el('div', { class: 'error-box', role: 'alert' }, message);
}

export function emptyState(message) {
  return el('p', { class: 'empty' }, message);
}

/** Formats nanoseconds: 850 µs, 12.3 ms, 1.52 s. */
export function formatNanos(nanos) {
  const n = Number(nanos);
  if (n < 1e3) return n + ' ns';
  if (n < 1e6) return (n / 1e3).toFixed(n < 1e4 ? 1 : 0) + ' µs';
  if (n < 1e9) return (n / 1e6).toFixed(n < 1e7 ? 2 : n < 1e8 ? 1 : 0) + ' ms';
  return (n / 1e9).toFixed(2) + ' s';
}

/** Formats milliseconds (as the dashboard APIs give durations) like formatNanos. */
export function formatMillis(millis) {
  return formatNanos(Math.round(Number(millis) * 1e6));
}

/** Formats Unix nanoseconds (or milliseconds with ms=true) as a UTC time. */
export function formatTime(unix, ms = false) {
  const date = new Date(ms ? Number(unix) : Number(unix) / 1e6);
  return date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function formatNumber(value, digits = 2) {
  if (value == null) return '';
  const n = Number(value);
  return Number.isInteger(n) ? n.toLocaleString('en') : n.toLocaleString('en', { maximumFractionDigits: digits });
}

const PALETTE = ['#3b82f6', '#10b981', '#f59e0b', '#8b5cf6', '#ec4899', '#14b8a6', '#f97316', '#6366f1',
  '#84cc16', '#06b6d4', '#a855f7', '#eab308', '#0ea5e9', '#22c55e', '#e11d48', '#78716c', '#d946ef', '#64748b'];

/** A stable colour per service name, the same on every screen. */
export function serviceColor(service) {
  let hash = 0;
  for (const ch of String(service)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}

export function serviceChip(service) {
  return el('span', { class: 'chip' }, el('span', { class: 'swatch', style: { background: serviceColor(service) } }), service);
}
