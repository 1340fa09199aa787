// Charts drawn with uPlot (from npm, copied into the jar at build time). uPlot's x values for time axes are
// Unix seconds; these helpers take milliseconds and convert.
import uPlot from '/ui/vendor/uPlot.esm.js';
import { el } from './lib.js';

/**
 * Time-axis labels in UTC (as every table shows times): HH:MM, with seconds or milliseconds when the ticks are
 * closer than that, and the date when it changes.
 */
const TIME_AXIS = {
  values: (u, ticks) => ticks.map((t, i) => {
    const iso = new Date(t * 1000).toISOString();
    const spacing = ticks.length > 1 ? ticks[1] - ticks[0] : 60;
    const hhmm = iso.slice(11, spacing < 1 ? 23 : spacing < 60 ? 19 : 16);
    const day = iso.slice(5, 10);
    const previous = i > 0 ? new Date(ticks[i - 1] * 1000).toISOString().slice(5, 10) : null;
    return day !== previous ? hhmm + '\n' + day : hhmm;
  }),
  size: 46,
};

/** On a log scale, label (and grid) only the powers of ten, unless fewer than two are in view. */
const POWERS_OF_TEN = (u, splits) => {
  const kept = splits.map(v => (Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9 ? v : null));
  return kept.filter(v => v != null).length >= 2 ? kept : splits;
};

/** The width of the container's content box (what the plot may fill). */
function width(container) {
  const style = getComputedStyle(container);
  const inner = container.clientWidth - parseFloat(style.paddingLeft || 0) - parseFloat(style.paddingRight || 0);
  return Math.max(320, (inner || 600) - 2);
}

/** Resizes a chart with its container (the observer dies with the element). */
function followWidth(container, plot) {
  const observer = new ResizeObserver(() => plot.setSize({ width: width(container), height: plot.height }));
  observer.observe(container);
}

/**
 * A time-series line chart. series: [{ label, values, color }], xMs: Unix milliseconds, stepMs the time each
 * point stands for (the axis spans at least one step, so that a single point gets a readable axis); log: a
 * logarithmic y axis (labelled at powers of ten), for values that differ by orders of magnitude.
 * Returns the uPlot instance, also left on the container as {@code plot} (its data is what is drawn).
 */
export function lineChart(container, { xMs, series, height = 220, yFormat = v => v, spanGaps = false, stepMs = 60000, log = false }) {
  const step = stepMs / 1000;
  const yAxis = { values: (u, ticks) => ticks.map(v => (v == null ? '' : yFormat(v))), size: 76 };
  if (log) Object.assign(yAxis, { filter: POWERS_OF_TEN, grid: { filter: POWERS_OF_TEN }, ticks: { filter: POWERS_OF_TEN } });
  const options = {
    width: width(container), height,
    scales: {
      // From the data, not uPlot's min and max: for a single point uPlot makes them a day in milliseconds apart
      // (86400 / ms), which on this seconds axis is a thousand days.
      x: { time: true, range: (u, min, max) => {
        const xs = u.data[0];
        const [first, last] = xs.length ? [xs[0], xs[xs.length - 1]] : [min, max];
        return last - first >= step ? [first, last] : [first - step / 2, last + step / 2];
      } },
      ...(log ? { y: { distr: 3 } } : {}),
    },
    axes: [TIME_AXIS, yAxis],
    series: [{ value: (u, v) => (v == null ? '–' : new Date(v * 1000).toISOString().slice(0, 16).replace('T', ' ')) }, ...series.map(s => ({
      label: s.label, stroke: s.color, width: 1.6, spanGaps, points: { show: xMs.length < 3 },
      value: (u, v) => (v == null ? '–' : yFormat(v)),
    }))],
  };
  const plot = new uPlot(options, [xMs.map(ms => ms / 1000), ...series.map(s => s.values)], container);
  followWidth(container, plot);
  container.plot = plot;
  return plot;
}

/**
 * A bar chart over categories (strings). series: [{ label, values, color }]; several series are
 * drawn nested (each narrower than the one before), so every value stays visible.
 */
export function categoryBarChart(container, { categories, series, height = 260 }) {
  const x = categories.map((_, i) => i);
  const options = {
    width: width(container), height,
    scales: { x: { time: false, range: [-0.5, categories.length - 0.5] } },
    axes: [{
      values: (u, ticks) => ticks.map(t => (Number.isInteger(t) && categories[t] != null ? shorten(String(categories[t])) : '')),
      splits: () => x, rotate: categories.length > 6 ? -30 : 0, size: categories.length > 6 ? 100 : 40,
    }, { size: 76 }],
    series: [{ value: (u, v) => (v == null ? '' : String(categories[v])) }, ...series.map((s, i) => ({
      label: s.label, stroke: s.color, fill: s.color + 'cc', points: { show: false },
      paths: uPlot.paths.bars({ size: [Math.max(0.2, 0.8 - 0.25 * i), 80] }),
    }))],
    legend: { show: series.length > 1 },
    padding: [null, categories.length > 6 ? 48 : 12, null, null],
  };
  const plot = new uPlot(options, [x, ...series.map(s => s.values)], container);
  followWidth(container, plot);
  return plot;
}

function shorten(text) {
  return text.length > 18 ? text.slice(0, 17) + '…' : text;
}

/**
 * A scatter of points over time; hovering a point shows its label, and onPick(index) is called
 * with the index of the point nearest a click (within 12 px). points: [{ xMs, y, error, label }],
 * sorted by xMs. The uPlot instance is left on the container as {@code plot}.
 */
export function scatterChart(container, { points, height = 220, yFormat = v => v, onPick }) {
  const xs = points.map(p => p.xMs / 1000);
  const ok = points.map(p => (p.error ? null : p.y));
  const bad = points.map(p => (p.error ? p.y : null));
  const dot = (color) => ({ stroke: color, fill: color + '88', paths: () => null, points: { show: true, size: 8, stroke: color, fill: color + '88' } });
  const options = {
    width: width(container), height,
    mode: 1,
    // A margin on the time axis keeps the oldest and newest points whole and clickable.
    scales: { x: { time: true, range: (u, min, max) => [min - Math.max(1, (max - min) * 0.02), max + Math.max(1, (max - min) * 0.02)] }, y: { distr: 3 } },
    axes: [TIME_AXIS, { values: (u, ticks) => ticks.map(v => (v == null ? '' : yFormat(v))), filter: POWERS_OF_TEN, grid: { filter: POWERS_OF_TEN }, ticks: { filter: POWERS_OF_TEN }, size: 76 }],
    legend: { show: false },
    series: [{}, { label: 'ok', ...dot('#3b82f6'), value: (u, v) => (v == null ? '–' : yFormat(v)) },
      { label: 'with errors', ...dot('#d92d20'), value: (u, v) => (v == null ? '–' : yFormat(v)) }],
    cursor: { points: { show: false } },
  };
  const plot = new uPlot(options, [xs, ok, bad], container);
  followWidth(container, plot);
  container.plot = plot;
  const nearest = event => {
    const rect = plot.over.getBoundingClientRect();
    const cx = event.clientX - rect.left, cy = event.clientY - rect.top;
    let best = -1, bestDistance = 12 * 12;
    points.forEach((p, i) => {
      const dx = plot.valToPos(xs[i], 'x') - cx, dy = plot.valToPos(p.y, 'y') - cy;
      if (dx * dx + dy * dy < bestDistance) { bestDistance = dx * dx + dy * dy; best = i; }
    });
    return best;
  };
  const tip = el('div', { class: 'chart-tip' });
  plot.over.append(tip);
  plot.over.addEventListener('mousemove', event => {
    const i = nearest(event);
    plot.over.style.cursor = i >= 0 ? 'pointer' : 'default';
    tip.style.display = i >= 0 ? 'block' : 'none';
    if (i >= 0) {
      tip.textContent = points[i].label;
      tip.style.left = plot.valToPos(xs[i], 'x') + 10 + 'px';
      tip.style.top = plot.valToPos(points[i].y, 'y') + 10 + 'px';
    }
  });
  plot.over.addEventListener('mouseleave', () => { tip.style.display = 'none'; });
  plot.over.addEventListener('click', event => {
    const i = nearest(event);
    if (i >= 0) onPick(i);
  });
  return plot;
}

export function chartBox(title, ...children) {
  return el('div', { class: 'chart-box' }, el('h3', {}, title), ...children);
}

/**
 * Draws on {@code canvas} (which fills {@code box}) at the screen's pixel density, now and whenever the box
 * changes size: draw(context, width, height) gets a cleared context in CSS pixels.
 */
export function drawOnResize(box, canvas, draw) {
  const redraw = () => {
    const width = box.clientWidth;
    const height = box.clientHeight;
    if (!width) return;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    const g = canvas.getContext('2d');
    g.scale(ratio, ratio);
    g.clearRect(0, 0, width, height);
    draw(g, width, height);
  };
  new ResizeObserver(redraw).observe(box);
}
