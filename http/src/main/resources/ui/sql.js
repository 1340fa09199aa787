// SQL console: CodeMirror over POST /api/sql, the result as a table and a chart (a line over time
// when there is a time column, else bars per group), CSV download, a history, and the repository's
// sql-examples/ as a list to load from. DuckDB's error message is shown under the query.
import { api, authorizedFetch, el, emptyState, errorBox, formatNumber, navigate, sqlObjects } from './lib.js';
import { categoryBarChart, lineChart } from './charts.js';

const DEFAULT_SQL = `-- Spans, errors and p99 per service. Any attribute is a column: "attr.<key>", "resource.<key>".
SELECT service_name,
       count(*) AS spans,
       count(*) FILTER (WHERE status_code = 'ERROR') AS errors,
       round(quantile_cont(duration_nanos / 1e6, 0.99), 2) AS p99_ms
FROM spans
GROUP BY service_name
ORDER BY spans DESC`;
const COLORS = ['#2459d6', '#d92d20', '#10b981', '#f59e0b', '#8b5cf6', '#ec4899', '#14b8a6', '#64748b'];
const MAX_CHART_SERIES = 8, MAX_BARS = 40;

const HISTORY_KEY = 'contrail.sql.history', MAX_HISTORY = 30;
const KEYWORDS = ['SELECT', 'FROM', 'WHERE', 'GROUP BY', 'ORDER BY', 'HAVING', 'LIMIT', 'JOIN', 'LEFT JOIN', 'USING', 'WITH',
  'AS', 'AND', 'OR', 'NOT', 'IN', 'IS NULL', 'IS NOT NULL', 'BETWEEN', 'LIKE', 'ILIKE', 'DISTINCT', 'CASE', 'WHEN', 'THEN',
  'ELSE', 'END', 'DESC', 'ASC', 'FILTER', 'OVER', 'PARTITION BY', 'QUALIFY', 'count(*)', 'sum(', 'avg(', 'min(', 'max(',
  'quantile_cont(', 'approx_quantile(', 'date_trunc(', 'time_bucket(', 'epoch_ms(', 'now()', 'INTERVAL', 'EXPLAIN'];

/**
 * The SQL console: CodeMirror (SQL highlighting; Ctrl+Space completes views, columns — "attr.*" and "resource.*"
 * included — and keywords; Ctrl+Enter runs), the query in the address (#/sql?q=…, so that a link runs it again and
 * back returns to the last one), a history of what ran, and the answer as a table and a chart.
 */
export async function renderSql(container, arg, params, current) {
  const textarea = el('textarea', { id: 'sql-editor', spellcheck: 'false', 'aria-label': 'SQL query' });
  textarea.value = params.get('q') ?? sessionStorage.getItem('contrail.sql') ?? DEFAULT_SQL;
  const run = el('button', { class: 'primary', id: 'sql-run', title: 'Ctrl+Enter' }, 'Run');
  const download = el('button', { id: 'sql-csv', title: 'Run the query again and save the answer as CSV' }, 'Download CSV');
  const chartKind = el('select', { id: 'sql-chart-kind' }, ['auto', 'line', 'bar', 'none'].map(k => el('option', { value: k }, 'chart: ' + k)));
  const history = el('select', { id: 'sql-history', title: 'queries run in this browser, newest first' });
  const status = el('div', { id: 'sql-status' });
  const output = el('div', { id: 'sql-output' }, emptyState('Write a query over spans, span_events, span_attributes, attribute_keys, '
    + 'propagation_edges, orphan_spans … and press Run (Ctrl+Enter), or pick an example on the left. Ctrl+Space completes names.'));
  const examples = el('div', { class: 'panel examples', id: 'sql-examples' }, el('p', { class: 'muted' }, 'Loading examples…'));

  container.append(el('div', { class: 'sql-layout' }, examples,
    el('div', {}, el('h1', {}, 'SQL console'),
      el('div', { class: 'panel' }, textarea,
        el('div', { class: 'actions' }, run, download, chartKind, history,
          el('span', { class: 'muted' }, 'Read-only DuckDB SQL; answers are cut at 10,000 rows.')), status),
      output)));

  const names = schemaNames();
  const editor = CodeMirror.fromTextArea(textarea, {
    mode: 'text/x-pgsql', lineNumbers: true, lineWrapping: true, indentUnit: 2, tabSize: 2, viewportMargin: Infinity,
    extraKeys: {
      'Ctrl-Enter': () => runQuery(), 'Cmd-Enter': () => runQuery(), 'Ctrl-Space': 'autocomplete',
      Esc: cm => cm.getInputField().blur(),
    },
    hintOptions: { hint: completionsWhenLoaded(names), completeSingle: false },
  });
  editor.getWrapperElement().id = 'sql-codemirror';
  showHistory(history);
  history.addEventListener('change', () => {
    if (history.value !== '') editor.setValue(readHistory()[Number(history.value)]);
    history.value = '';
  });

  let lastResult = null;
  const execute = async () => {
    const query = editor.getValue();
    sessionStorage.setItem('contrail.sql', query);
    remember(query);
    showHistory(history);
    status.replaceChildren(el('p', { class: 'muted' }, 'Running…'));
    const started = performance.now();
    try {
      // Rows shown as they arrive: NDJSON, typed by the X-Contrail-Columns header.
      // While rows arrive, the new ones are appended to the table shown (not the whole table drawn again).
      let streamed = null;
      lastResult = await streamRows(query, (result, done) => {
        if (!current() || done) return;
        status.replaceChildren(el('div', { class: 'result-meta' }, `${formatNumber(result.rows.length)} rows so far…`));
        if (!streamed) {
          streamed = table({ columns: result.columns, rows: [] });
          output.replaceChildren(el('div', { class: 'result-scroll' }, streamed));
        }
        const body = streamed.tBodies[0];
        body.append(...result.rows.slice(body.rows.length).map(row => resultRow(row, result.columns)));
      });
    } catch (e) {
      lastResult = null;
      if (!current()) return;
      status.replaceChildren(el('div', { class: 'error-box sql-error', role: 'alert' }, e.message));
      output.replaceChildren();
      return;
    }
    if (!current()) return;
    const millis = Math.round(performance.now() - started);
    status.replaceChildren(el('div', { class: 'result-meta' },
      `${formatNumber(lastResult.rows.length)} row${lastResult.rows.length === 1 ? '' : 's'} in ${millis} ms`,
      lastResult.truncated ? el('span', { class: 'badge-warn' }, 'truncated at the row limit: download CSV for the same cut, or aggregate') : null));
    show(output, lastResult, chartKind.value);
  };
  // A new query becomes a step in the history (its address runs it); the same one again just runs.
  const runQuery = () => {
    const query = editor.getValue();
    if (query === params.get('q')) execute();
    else navigate('sql', '', { q: query });
  };
  run.addEventListener('click', runQuery);
  chartKind.addEventListener('change', () => { if (lastResult) show(output, lastResult, chartKind.value); });
  download.addEventListener('click', async () => {
    const response = await authorizedFetch('/api/sql', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'text/csv' }, body: JSON.stringify({ sql: editor.getValue() }) });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      status.replaceChildren(el('div', { class: 'error-box sql-error', role: 'alert' }, body.error || response.statusText));
      return;
    }
    const url = URL.createObjectURL(await response.blob());
    const link = el('a', { href: url, download: 'contrail-result.csv' });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });

  try {
    const list = (await api('/api/sql-examples')).examples;
    examples.replaceChildren(el('h2', { style: { marginTop: '4px' } }, 'Examples'),
      ...(list.length === 0 ? [el('p', { class: 'muted' }, 'No examples in this build.')] : []),
      ...list.map(x => el('button', { class: 'example', 'data-file': x.file, title: x.file, onclick: () => { editor.setValue(x.sql); runQuery(); } },
        el('span', { class: 'question' }, x.question.charAt(0).toUpperCase() + x.question.slice(1)), el('span', { class: 'file' }, x.file))));
  } catch (e) {
    examples.replaceChildren(errorBox('Examples unavailable: ' + e.message));
  }
  if (params.has('q') && current()) await execute();
}

// ---- the answer, as it streams

const MAX_ROWS = 10000;
/** How often the table shown while rows arrive is drawn again. */
const REDRAW_MS = 250;

/**
 * Runs a statement through /api/sql as NDJSON, the rows read as they arrive: onRows(result, done) is called with
 * the rows so far (at the first and then every {@link REDRAW_MS}) and at the end. The answer is
 * { columns: [{ name, type }], rows: [[…]], truncated } as the JSON format has it; the types come from the
 * X-Contrail-Columns header, or are guessed from the first row when the header was left out (very wide answers).
 */
async function streamRows(query, onRows) {
  const response = await authorizedFetch('/api/sql', {
    method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/x-ndjson' },
    body: JSON.stringify({ sql: query, maxRows: MAX_ROWS }),
  });
  if (!response.ok) {
    const text = await response.text();
    let message = text || response.status + ' ' + response.statusText;
    try { message = JSON.parse(text).error || message; } catch { /* not JSON */ }
    throw new Error(message);
  }
  const header = response.headers.get('X-Contrail-Columns');
  const result = { columns: header ? JSON.parse(header).map(([name, type]) => ({ name, type })) : null, rows: [],
    truncated: response.headers.get('X-Contrail-Truncated') === 'true' };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  let drawn = 0;
  const take = line => {
    if (!line.trim()) return;
    const row = JSON.parse(line);
    result.columns ||= Object.entries(row).map(([name, value]) => ({ name, type: guessType(value) }));
    result.rows.push(result.columns.map(c => row[c.name] ?? null));
  };
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch (e) {
      throw new Error(`the answer was cut short after ${result.rows.length} rows: ${e.message}`);
    }
    if (chunk.done) break;
    pending += decoder.decode(chunk.value, { stream: true });
    const lines = pending.split('\n');
    pending = lines.pop();
    lines.forEach(take);
    if (result.rows.length && (!drawn || performance.now() - drawn >= REDRAW_MS)) {
      drawn = performance.now();
      onRows(result, false);
    }
  }
  take(pending + decoder.decode());
  result.columns ||= [];
  onRows(result, true);
  return result;
}

/** A DuckDB type for a JSON value of an answer too wide for its types header. */
function guessType(value) {
  if (typeof value === 'number') return 'DOUBLE';
  if (typeof value === 'boolean') return 'BOOLEAN';
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(value)) return 'TIMESTAMP';
  return value !== null && typeof value === 'object' ? 'JSON' : 'VARCHAR';
}

// ---- completion and history

/** The views and their columns, for completion: a promise of { tables, columns } (none when the catalog fails). */
function schemaNames() {
  return sqlObjects('SELECT table_name, column_name FROM information_schema.columns ORDER BY table_name, ordinal_position')
    .then(rows => ({
      tables: [...new Set(rows.map(r => r.table_name))],
      columns: [...new Map(rows.map(r => [r.column_name, r.table_name])).entries()].map(([column, table]) => ({ column, table })),
    }))
    .catch(() => ({ tables: [], columns: [] }));
}

/** CodeMirror's asynchronous hint: the completions once the catalog has answered. */
function completionsWhenLoaded(names) {
  const hint = (cm, callback) => names.then(loaded => callback(completions(cm, loaded)));
  hint.async = true;
  return hint;
}

/** An identifier as SQL needs it: quoted when it is not a plain lower-case word ("attr.http.route"). */
function quoted(name) {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : '"' + name.replaceAll('"', '""') + '"';
}

/** CodeMirror's hint: views, columns and keywords that start with the word before the cursor (quotes aside). */
function completions(cm, names) {
  const cursor = cm.getCursor();
  const before = cm.getLine(cursor.line).slice(0, cursor.ch);
  const typed = /"?[\w.]*$/.exec(before)[0];
  const bare = text => text.replace(/^"/, '').toLowerCase();
  const afterFrom = /\b(from|join)\s+"?[\w.]*$/i.test(before);
  const candidates = [
    ...names.tables.map(t => ({ text: quoted(t), displayText: t + '  · view', className: 'hint-view' })),
    ...(afterFrom ? [] : names.columns.map(c => ({ text: quoted(c.column), displayText: c.column + '  · ' + c.table, className: 'hint-column' }))),
    ...(afterFrom ? [] : KEYWORDS.map(k => ({ text: k, displayText: k, className: 'hint-keyword' }))),
  ];
  const list = candidates.filter(c => bare(c.text).startsWith(bare(typed)) && c.text !== typed).slice(0, 200);
  return { list, from: CodeMirror.Pos(cursor.line, cursor.ch - typed.length), to: cursor };
}

function readHistory() {
  try {
    return JSON.parse(localStorage.getItem(HISTORY_KEY) || '[]');
  } catch {
    return [];
  }
}

/** Keeps a query that ran, newest first, once. */
function remember(query) {
  const kept = [query, ...readHistory().filter(q => q !== query)].slice(0, MAX_HISTORY);
  localStorage.setItem(HISTORY_KEY, JSON.stringify(kept));
}

function showHistory(select) {
  const entries = readHistory();
  select.replaceChildren(el('option', { value: '' }, entries.length ? `history (${entries.length})` : 'history: none yet'),
    ...entries.map((q, i) => el('option', { value: i }, q.replace(/--[^\n]*\n/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 90))));
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;
const TIME = /^(TIMESTAMP|DATE)/;
/** Column types that name a group (lists, structs and JSON do not). */
const TEXT = /^(VARCHAR|BOOLEAN|ENUM|UUID)(\(|$)/;

function show(output, result, kind) {
  if (result.columns.length === 0 || result.rows.length === 0) {
    output.replaceChildren(emptyState('The query ran and returned no rows.'));
    return;
  }
  const chart = el('div', { class: 'chart-box', id: 'sql-chart' });
  output.replaceChildren(chart, el('div', { class: 'result-scroll' }, table(result)));
  if (!drawChart(chart, result, kind)) chart.remove();
}

function table(result) {
  return el('table', { class: 'grid result-table', id: 'sql-result' },
    el('thead', {}, el('tr', {}, result.columns.map(c => el('th', { class: NUMERIC.test(c.type) ? 'num' : null, title: c.type }, c.name)))),
    el('tbody', {}, result.rows.map(row => resultRow(row, result.columns))));
}

/** One row of the result table. */
function resultRow(row, columns) {
  return el('tr', {}, row.map((v, i) => el('td', { class: NUMERIC.test(columns[i].type) ? 'num' : 'mono' },
    v == null ? el('span', { class: 'muted' }, 'NULL') : typeof v === 'object' ? JSON.stringify(v) : NUMERIC.test(columns[i].type) ? formatNumber(v, 4) : String(v))));
}

/** Draws the chart that fits the result; false when none does. */
function drawChart(box, result, kind) {
  if (kind === 'none') return false;
  const columns = result.columns.map((c, i) => ({ ...c, i }));
  const time = columns.find(c => TIME.test(c.type));
  const numbers = columns.filter(c => NUMERIC.test(c.type) && c !== time);
  const texts = columns.filter(c => TEXT.test(c.type));
  const text = texts[0];
  if (numbers.length === 0) return false;
  if (time && kind !== 'bar') {
    const timeOf = r => Date.parse(String(r[time.i]).replace(' ', 'T'));
    const times = [...new Set(result.rows.map(timeOf))].filter(t => !Number.isNaN(t)).sort((a, b) => a - b);
    if (times.length === 0) return false;
    const at = new Map(times.map((t, k) => [t, k]));
    let series;
    if (texts.length > 0) {
      // Long form (group columns, time, value): one line per group — every text column together
      // names a group — for the first numeric column; the groups with the most rows first.
      const groupOf = r => texts.map(c => String(r[c.i])).join(' · ');
      const groups = new Map();
      for (const r of result.rows) groups.set(groupOf(r), (groups.get(groupOf(r)) || 0) + 1);
      const top = [...groups.entries()].sort((a, b) => b[1] - a[1]).slice(0, MAX_CHART_SERIES).map(g => g[0]);
      series = top.map((g, k) => ({ label: g, color: COLORS[k % COLORS.length], values: new Array(times.length).fill(null) }));
      for (const r of result.rows) {
        const s = top.indexOf(groupOf(r));
        if (s >= 0 && at.has(timeOf(r))) series[s].values[at.get(timeOf(r))] = Number(r[numbers[0].i]);
      }
    } else {
      const shown = numbers.slice(0, MAX_CHART_SERIES);
      series = shown.map((c, k) => ({ label: c.name, color: COLORS[k % COLORS.length], values: new Array(times.length).fill(null) }));
      for (const r of result.rows) {
        if (at.has(timeOf(r))) shown.forEach((c, k) => { series[k].values[at.get(timeOf(r))] = Number(r[c.i]); });
      }
    }
    const groupsShown = texts.length > 0 ? ` by ${texts.map(c => c.name).join(', ')}` + (series.length === MAX_CHART_SERIES ? ` (the ${MAX_CHART_SERIES} groups with most rows)` : '') : '';
    box.append(el('h3', {}, `${texts.length > 0 ? numbers[0].name : numbers.slice(0, MAX_CHART_SERIES).map(c => c.name).join(', ')}${groupsShown} over ${time.name}`));
    const plot = el('div');
    box.append(plot);
    lineChart(plot, { xMs: times, series, height: 260, yFormat: v => formatNumber(v, 2), spanGaps: true });
    return true;
  }
  if (kind === 'line') return false;
  const label = text || time || columns.find(c => c !== numbers[0]) || numbers[0];
  const rows = result.rows.slice(0, MAX_BARS);
  const values = numbers.filter(c => c !== label).slice(0, 3);
  if (values.length === 0) return false;
  box.append(el('h3', {}, `${values.map(c => c.name).join(', ')} by ${label.name}`
    + (result.rows.length > MAX_BARS ? ` (first ${MAX_BARS} rows)` : '')));
  const plot = el('div');
  box.append(plot);
  categoryBarChart(plot, {
    categories: rows.map(r => (r[label.i] == null ? 'NULL' : String(r[label.i]))),
    series: values.map((c, k) => ({ label: c.name, color: COLORS[k % COLORS.length], values: rows.map(r => (r[c.i] == null ? null : Number(r[c.i]))) })),
  });
  return true;
}
