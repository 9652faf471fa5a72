// Small SVG charts for the insight screens, with no library and no build step (as the map): a line
// chart of series over time and a bar chart of counts per category. Each comes in a <figure> with
// its caption, the same figures as a table (for screen readers, and to read exact values) and a
// CSV download of that table. Colour-blind safe: series differ by dash pattern and marker too, and
// a hidden count ("<5", below the minimum cell size) is written out, never drawn as a bar.
import { h } from './dom.js';
import { downloadCsv } from './csv.js';

const svgNs = 'http://www.w3.org/2000/svg';
const svg = (tag, attrs = {}, ...children) => {
  const el = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, v);
  el.append(...children);
  return el;
};

// Blue, orange, dark grey, purple: apart in hue and lightness; plus a dash pattern per series.
const looks = [
  { cls: 's0', dash: null }, { cls: 's1', dash: '6 4' }, { cls: 's2', dash: '2 3' }, { cls: 's3', dash: '10 3 2 3' },
];
const width = 640, height = 260, pad = { left: 44, right: 12, top: 12, bottom: 34 };

/** A round step for the value axis: 1, 2 or 5 × 10^n, so that about four lines fit. */
function niceStep(max) {
  const raw = Math.max(1, max) / 4;
  const pow = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map(m => m * pow).find(s => s >= raw);
}

const number = new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 1 });

/** The figure around a chart: caption, the chart, a table of its values, a CSV button. */
function figure(title, chart, table, csvName, csvRows, texts) {
  return h('figure', { class: 'chart' },
    h('figcaption', {}, title),
    chart,
    h('details', { class: 'chart-table' }, h('summary', {}, texts.showTable), table),
    h('button', { type: 'button', class: 'secondary csv', onclick: () => downloadCsv(csvName, csvRows()) }, texts.downloadCsv));
}

function tableOf(header, rows) {
  return h('div', { class: 'table-scroll' }, h('table', {},
    h('thead', {}, h('tr', {}, header.map(c => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map(r => h('tr', {}, r.map((c, i) => i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c)))))));
}

/**
 * A line chart. series: [{ name, points: [{ at: Date, value: number|null }] }] — null is a gap (no
 * data yet). texts: { showTable, downloadCsv, time, empty }; formatTime(Date) for the axis and table.
 */
export function lineChart({ title, series, unit, csvName, formatTime, texts }) {
  const times = [...new Set(series.flatMap(s => s.points.map(p => +p.at)))].sort((a, b) => a - b);
  const values = series.flatMap(s => s.points.map(p => p.value)).filter(v => v !== null && v !== undefined);
  const max = Math.max(1, ...values);
  const step = niceStep(max), top = Math.ceil(max / step) * step;
  const t0 = times[0] ?? 0, t1 = times.at(-1) ?? 1;
  const x = t => pad.left + (times.length < 2 ? 0 : (t - t0) / (t1 - t0)) * (width - pad.left - pad.right);
  const y = v => height - pad.bottom - (v / top) * (height - pad.top - pad.bottom);

  const grid = [];
  for (let v = 0; v <= top; v += step) {
    grid.push(svg('line', { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: 'grid' }),
      svg('text', { x: pad.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, number.format(v)));
  }
  // About five time labels, spread evenly over the points.
  const every = Math.max(1, Math.ceil(times.length / 5));
  times.forEach((t, i) => {
    if (i % every === 0) grid.push(svg('text', { x: x(t), y: height - pad.bottom + 18, 'text-anchor': 'middle', class: 'tick' }, formatTime(new Date(t))));
  });

  const lines = series.map((s, i) => {
    const look = looks[i % looks.length];
    let d = '', pen = false;
    for (const p of s.points) {
      if (p.value === null || p.value === undefined) { pen = false; continue; }
      d += `${pen ? 'L' : 'M'}${x(+p.at).toFixed(1)},${y(p.value).toFixed(1)}`;
      pen = true;
    }
    return svg('path', { d, class: `line ${look.cls}`, 'stroke-dasharray': look.dash });
  });
  const legend = h('ul', { class: 'legend' }, series.map((s, i) =>
    h('li', { class: looks[i % looks.length].cls, dataset: { dash: looks[i % looks.length].dash ? 'yes' : 'no' } }, s.name)));

  const summary = series.map(s => {
    const last = [...s.points].reverse().find(p => p.value !== null && p.value !== undefined);
    return last ? `${s.name}: ${number.format(last.value)} ${unit} op ${formatTime(last.at)}` : `${s.name}: ${texts.empty}`;
  }).join('; ');
  const chart = h('div', { class: 'chart-body' },
    svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `${title}. ${summary}` }, ...grid, ...lines),
    legend);

  const header = [texts.time, ...series.map(s => s.name)];
  const rows = () => times.map(t => [formatTime(new Date(t)),
    ...series.map(s => s.points.find(p => +p.at === t)?.value ?? null)]);
  const shown = rows().map(r => r.map(c => c === null ? '–' : typeof c === 'number' ? number.format(c) : c));
  return figure(title, chart, tableOf(header, shown), csvName, () => [header, ...rows()], texts);
}

/**
 * A bar chart of counts per category. bars: [{ label, value, hidden }] — hidden: below the minimum
 * cell size, written "<5" and not drawn. texts: { showTable, downloadCsv, category, count, hiddenCount }.
 */
export function barChart({ title, bars, csvName, texts }) {
  const max = Math.max(1, ...bars.filter(b => !b.hidden).map(b => b.value));
  const rowHeight = 28, labelWidth = 200, barsHeight = Math.max(1, bars.length) * rowHeight + 8;
  const scale = v => (v / max) * (width - labelWidth - 60);
  const rowsSvg = bars.map((b, i) => {
    const yTop = 4 + i * rowHeight;
    return svg('g', {},
      svg('text', { x: labelWidth - 8, y: yTop + 18, 'text-anchor': 'end', class: 'tick' }, b.label),
      b.hidden ? svg('text', { x: labelWidth + 4, y: yTop + 18, class: 'tick hidden-count' }, texts.hiddenCount)
        : svg('g', {},
          svg('rect', { x: labelWidth, y: yTop + 4, width: Math.max(b.value > 0 ? 2 : 0, scale(b.value)), height: rowHeight - 10, class: 'bar-fill' }),
          svg('text', { x: labelWidth + scale(b.value) + 6, y: yTop + 18, class: 'tick' }, number.format(b.value))));
  });
  const summary = bars.map(b => `${b.label}: ${b.hidden ? texts.hiddenCount : number.format(b.value)}`).join('; ');
  const chart = h('div', { class: 'chart-body' },
    svg('svg', { viewBox: `0 0 ${width} ${barsHeight}`, role: 'img', 'aria-label': `${title}. ${summary}` }, ...rowsSvg));
  const header = [texts.category, texts.count];
  const rows = () => bars.map(b => [b.label, b.hidden ? texts.hiddenCount : b.value]);
  const shown = rows().map(([label, v]) => [label, typeof v === 'number' ? number.format(v) : v]);
  return figure(title, chart, tableOf(header, shown), csvName, () => [header, ...rows()], texts);
}
