// Server-rendered SVG charts: no chart library, nothing fetched from elsewhere. Colours come from classes in
// the console stylesheet (the CSP forbids inline styles); each chart has a visible title, axis labels, a
// legend and a text alternative, and stretches to the card's width.
import { type Html, html } from './html.ts';

export interface DayBar {
  label: string;
  total: number;
  errors: number;
}

export interface DayPoint {
  label: string;
  value: number | null;
}

const WIDTH = 1000;
const HEIGHT = 260;
const PAD = { left: 70, right: 12, top: 14, bottom: 46 };
const plotW = WIDTH - PAD.left - PAD.right;
const plotH = HEIGHT - PAD.top - PAD.bottom;

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / magnitude) * magnitude;
}

export interface LegendItem {
  swatch: 'bar' | 'err' | 'line';
  label: string;
}

interface Frame {
  id: string;
  title: string;
  description: string;
  max: number;
  unit: string;
  xLabel: string;
  yLabel: string;
  legend: readonly LegendItem[];
  labels: string[];
}

function frame(f: Frame, content: Html): Html {
  const { labels } = f;
  const step = labels.length > 0 ? plotW / labels.length : plotW;
  const every = Math.max(1, Math.ceil(labels.length / 10));
  const midY = PAD.top + plotH / 2;
  return html`<figure class="chart-figure" aria-labelledby="${f.id}-caption"><figcaption id="${f.id}-caption"><h3>${f.title}</h3>
    <ul class="legend" aria-label="Legend">${f.legend.map((item) => html`<li><span class="swatch ${item.swatch}" aria-hidden="true"></span>${item.label}</li>`)}</ul></figcaption>
    <svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${f.id}-t ${f.id}-d" xmlns="http://www.w3.org/2000/svg">
    <title id="${f.id}-t">${f.title}</title><desc id="${f.id}-d">${f.description}</desc>
    <line class="axis" x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${WIDTH - PAD.right}" y2="${PAD.top + plotH}"/>
    <line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotH}"/>
    <text x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${f.max}${f.unit}</text>
    <text x="${PAD.left - 6}" y="${PAD.top + plotH}" text-anchor="end">0</text>
    ${labels.map((label, i) => (i % every === 0 ? html`<text x="${PAD.left + step * i + step / 2}" y="${PAD.top + plotH + 16}" text-anchor="middle">${label}</text>` : ''))}
    <text class="axis-label" x="${PAD.left + plotW / 2}" y="${HEIGHT - 6}" text-anchor="middle">${f.xLabel}</text>
    <text class="axis-label" x="16" y="${midY}" text-anchor="middle" transform="rotate(-90 16 ${midY})">${f.yLabel}</text>
    ${content}</svg></figure>`;
}

export function requestsChart(id: string, days: readonly DayBar[]): Html {
  const max = niceMax(Math.max(0, ...days.map((d) => d.total)));
  const step = days.length > 0 ? plotW / days.length : plotW;
  const bar = (value: number) => (value / max) * plotH;
  const bars = days.map((d, i) => {
    const x = PAD.left + step * i + step * 0.15;
    const w = step * 0.7;
    return html`<rect class="bar" x="${x}" y="${PAD.top + plotH - bar(d.total)}" width="${w}" height="${bar(d.total)}"><title>${d.label}: ${d.total} requests, ${d.errors} errors</title></rect>
      ${d.errors > 0 ? html`<rect class="bar err" x="${x}" y="${PAD.top + plotH - bar(d.errors)}" width="${w}" height="${bar(d.errors)}"/>` : ''}`;
  });
  const total = days.reduce((sum, d) => sum + d.total, 0);
  const errors = days.reduce((sum, d) => sum + d.errors, 0);
  return frame(
    {
      id,
      title: 'Requests per day',
      description: `${total} requests, ${errors} errors over ${days.length} days.`,
      max,
      unit: '',
      xLabel: 'Day (UTC, month-day)',
      yLabel: 'Requests',
      legend: [
        { swatch: 'bar', label: 'Requests' },
        { swatch: 'err', label: 'Errors (status 400 or above)' },
      ],
      labels: days.map((d) => d.label),
    },
    html`${bars}`,
  );
}

export function latencyChart(id: string, points: readonly DayPoint[]): Html {
  const max = niceMax(Math.max(0, ...points.map((p) => p.value ?? 0)));
  const step = points.length > 0 ? plotW / points.length : plotW;
  const xy = points.flatMap((p, i) =>
    p.value === null
      ? []
      : [{ x: PAD.left + step * i + step / 2, y: PAD.top + plotH - (p.value / max) * plotH, p }],
  );
  const line = xy.map(({ x, y }) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  const dots = xy.map(
    ({ x, y, p }) =>
      html`<circle class="dot" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3"><title>${p.label}: p95 ${Math.round(p.value ?? 0)} ms</title></circle>`,
  );
  const highest = Math.max(0, ...points.map((p) => p.value ?? 0));
  return frame(
    {
      id,
      title: 'Latency per day (95th percentile)',
      description: `Highest daily p95: ${Math.round(highest)} ms.`,
      max,
      unit: ' ms',
      xLabel: 'Day (UTC, month-day)',
      yLabel: 'Milliseconds',
      legend: [{ swatch: 'line', label: 'p95 latency: 95 % of requests were faster' }],
      labels: points.map((p) => p.label),
    },
    html`${xy.length > 1 ? html`<polyline class="line" points="${line}"/>` : ''}${dots}`,
  );
}
