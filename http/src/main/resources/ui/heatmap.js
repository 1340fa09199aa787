// Latency heatmap, Honeycomb-style: span start time across, duration up (log scale, five rows a decade), the
// colour of a cell the spans in it, weighted by sample_weight (so sampled-away spans count). Dragging over a
// region hands its time window and duration band to onSelect, which opens Compare on those spans.
import { drawOnResize } from './charts.js';
import { el, formatNanos, formatNumber, formatTime, literal, sqlObjects } from './lib.js';

const COLUMNS = 60, ROWS_PER_DECADE = 5, HEIGHT = 240, LEFT = 64, BOTTOM = 34, TOP = 6, RIGHT = 8;

/**
 * Draws the heatmap of the spans of {@code service} (all when empty) starting in [startMs, endMs] (null: from the
 * first or to the last span) into {@code container}. onSelect({ startMs, endMs, minNanos, maxNanos }) is called
 * with the cells a drag covered.
 */
export async function latencyHeatmap(container, { service, startMs, endMs, onSelect }) {
  const where = service ? `service_name = ${literal(service)}` : 'true';
  const bounds = (await sqlObjects(`SELECT epoch_ms(min(start_time)) AS lo, epoch_ms(max(start_time)) AS hi, count(*) AS spans FROM spans WHERE ${where}`
    + timeCondition(startMs, endMs)))[0];
  if (!bounds || !bounds.spans) {
    container.replaceChildren(el('p', { class: 'muted' }, 'No spans in this time range.'));
    return null;
  }
  // epoch_ms may round a nanosecond start up: a millisecond of margin keeps the first and the last span.
  const lo = Math.floor(startMs ?? bounds.lo - 1);
  const hi = Math.max(lo + 1000, Math.ceil(endMs ?? bounds.hi + 1));
  const stepMs = Math.max(1, Math.ceil((hi - lo) / COLUMNS));
  const cells = await sqlObjects(`SELECT least(${COLUMNS - 1}, floor((epoch_ms(start_time) - ${lo}) / ${stepMs}))::INTEGER AS col, `
    + `floor(log10(greatest(duration_nanos, 1)) * ${ROWS_PER_DECADE})::INTEGER AS row, sum(sample_weight) AS n `
    + `FROM spans WHERE ${where}${timeCondition(lo, hi)} GROUP BY 1, 2`);
  const rowMin = Math.min(...cells.map(c => c.row));
  const rowMax = Math.max(...cells.map(c => c.row));
  const rows = rowMax - rowMin + 1;
  const maxCount = Math.max(...cells.map(c => c.n));
  const total = cells.reduce((sum, c) => sum + c.n, 0);

  const canvas = el('canvas', { class: 'heatmap-canvas', 'data-total': total.toFixed(3) });
  const selectionBox = el('div', { class: 'heatmap-selection', hidden: true });
  const tip = el('div', { class: 'chart-tip' });
  const box = el('div', { class: 'heatmap', id: 'heatmap', style: { height: HEIGHT + 'px' } }, canvas, selectionBox, tip);
  container.replaceChildren(box);

  const plotWidth = () => box.clientWidth - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const rowNanos = row => Math.pow(10, row / ROWS_PER_DECADE);
  drawOnResize(box, canvas, g => {
    const cw = plotWidth() / COLUMNS, ch = plotHeight / rows;
    for (const c of cells) {
      // Square root: a few slow spans stay visible beside the dense band of fast ones.
      g.fillStyle = color(Math.sqrt(c.n / maxCount));
      g.fillRect(LEFT + c.col * cw, TOP + (rowMax - c.row) * ch, Math.ceil(cw), Math.ceil(ch));
    }
    g.fillStyle = '#667085';
    g.font = '11px system-ui, sans-serif';
    g.textAlign = 'right';
    for (let row = rowMin; row <= rowMax + 1; row++) {
      if (row % ROWS_PER_DECADE !== 0) continue;
      g.fillText(formatNanos(Math.round(rowNanos(row))), LEFT - 6, TOP + (rowMax + 1 - row) * ch + 4);
    }
    for (let i = 0; i <= 4; i++) {
      // The outer labels inside the plot's ends, the others centred on their tick.
      g.textAlign = i === 0 ? 'left' : i === 4 ? 'right' : 'center';
      const ms = lo + ((hi - lo) * i) / 4;
      g.fillText(formatTime(ms, true).slice(11, 19), LEFT + (plotWidth() * i) / 4, HEIGHT - BOTTOM + 16);
    }
  });

  // Pixels to cells: a column is a time step, a row a fifth of a decade of duration.
  const cellAt = (x, y) => ({
    col: Math.min(COLUMNS - 1, Math.max(0, Math.floor(((x - LEFT) / plotWidth()) * COLUMNS))),
    row: Math.min(rowMax, Math.max(rowMin, rowMax - Math.floor(((y - TOP) / plotHeight) * rows))),
  });
  const point = event => {
    const r = box.getBoundingClientRect();
    return [event.clientX - r.left, event.clientY - r.top];
  };
  box.addEventListener('mousemove', event => {
    const [x, y] = point(event);
    if (x < LEFT || y > HEIGHT - BOTTOM) { tip.style.display = 'none'; return; }
    const { col, row } = cellAt(x, y);
    const n = cells.find(c => c.col === col && c.row === row)?.n ?? 0;
    tip.style.display = 'block';
    tip.style.left = x + 12 + 'px';
    tip.style.top = y + 12 + 'px';
    tip.textContent = `${formatNumber(n, 1)} spans · ${formatNanos(Math.round(rowNanos(row)))}–${formatNanos(Math.round(rowNanos(row + 1)))}`
      + ` · ${formatTime(lo + col * stepMs, true).slice(11, 19)}`;
  });
  box.addEventListener('mouseleave', () => { tip.style.display = 'none'; });
  box.addEventListener('mousedown', event => {
    if (event.button !== 0) return;
    event.preventDefault();
    const [x0, y0] = point(event);
    const place = (x1, y1) => {
      Object.assign(selectionBox.style, { left: Math.min(x0, x1) + 'px', top: Math.min(y0, y1) + 'px',
        width: Math.abs(x1 - x0) + 'px', height: Math.abs(y1 - y0) + 'px' });
    };
    selectionBox.hidden = false;
    place(x0, y0);
    const move = moved => place(...point(moved));
    const up = released => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
      const [x1, y1] = point(released);
      const a = cellAt(Math.min(x0, x1), Math.max(y0, y1));
      const b = cellAt(Math.max(x0, x1), Math.min(y0, y1));
      const region = {
        startMs: lo + a.col * stepMs, endMs: Math.min(hi, lo + (b.col + 1) * stepMs),
        // A row holds durations from 10^(row/5) up to, not including, the next row's start; maxDuration includes.
        minNanos: Math.ceil(rowNanos(a.row)), maxNanos: Math.ceil(rowNanos(b.row + 1)) - 1,
      };
      box.dataset.selection = JSON.stringify(region);
      onSelect(region);
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
  });
  return { total, cells };
}

function timeCondition(startMs, endMs) {
  const at = ms => `TIMESTAMP ${literal(new Date(ms).toISOString().replace('T', ' ').replace('Z', ''))}`;
  return (startMs != null ? ` AND start_time >= ${at(startMs)}` : '') + (endMs != null ? ` AND start_time < ${at(endMs)}` : '');
}

/** From pale to deep blue as a cell holds more spans (0..1). */
function color(level) {
  const from = [224, 234, 255], to = [23, 37, 120];
  const mix = from.map((c, i) => Math.round(c + (to[i] - c) * level));
  return `rgb(${mix.join(',')})`;
}
