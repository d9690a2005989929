// A hand-written SVG line chart (one line per series, hollow points where the load was not kept up), used
// for server CPU-ms per player-second against players (fan-out) and per stream-second against streams (ingest).
// No plotting dependency: the chart is a few dozen elements.
import { CaseResult } from './measure';

const W = 760;
const H = 420;
const M = { left: 64, right: 190, top: 36, bottom: 48 };
const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function niceMax(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((m) => m * p).find((v) => v >= x) ?? x;
}

export interface PlotPoint {
  readonly series: string;
  readonly x: number;
  readonly y: number;
  /** False: drawn hollow (the load was not kept up, so the figure is not a like-for-like cost). */
  readonly ok: boolean;
}

export interface PlotLabels {
  readonly title: string;
  readonly x: string;
  readonly y: string;
  readonly notOk: string;
  /** Series drawn dashed. */
  readonly dashed?: (series: string) => boolean;
  /** Series drawn thicker (the reference). */
  readonly reference?: (series: string) => boolean;
}

export function cpuPlot(rows: CaseResult[], title: string): string {
  const points = rows.filter((r) => r.slowPlayers === 0)
    .map((r) => ({ series: r.peer, x: r.players, y: r.cpuMsPerPlayerSec, ok: r.keepUpShare >= 0.99 }));
  return linePlot(points, {
    title, x: 'players', y: 'server CPU-ms per player-second (lower is better)', notOk: 'not all players kept up',
    dashed: (p) => p.endsWith('-0'), reference: (p) => p.startsWith('nginx'),
  });
}

export function linePlot(data: PlotPoint[], l: PlotLabels): string {
  const peers = [...new Set(data.map((r) => r.series))];
  const xs = [...new Set(data.map((r) => r.x))].sort((a, b) => a - b);
  const xMax = niceMax(Math.max(...xs, 1));
  const yMax = niceMax(Math.max(...data.map((r) => r.y), 0.01) * 1.05);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const X = (v: number) => M.left + (v / xMax) * pw;
  const Y = (v: number) => M.top + ph - (v / yMax) * ph;
  const el: string[] = [];
  el.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  el.push(`<text x="${M.left}" y="22" font-size="15" font-weight="bold">${esc(l.title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = (yMax * i) / 5;
    el.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${Y(v)}" y2="${Y(v)}" stroke="#e5e5e5"/>`);
    el.push(`<text x="${M.left - 6}" y="${Y(v) + 4}" font-size="11" text-anchor="end">${+v.toFixed(3)}</text>`);
  }
  for (const x of xs) {
    el.push(`<line x1="${X(x)}" x2="${X(x)}" y1="${M.top}" y2="${M.top + ph}" stroke="#f0f0f0"/>`);
    el.push(`<text x="${X(x)}" y="${M.top + ph + 16}" font-size="11" text-anchor="middle">${x}</text>`);
  }
  el.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#333"/>`);
  el.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#333"/>`);
  el.push(`<text x="${M.left + pw / 2}" y="${H - 10}" font-size="12" text-anchor="middle">${esc(l.x)}</text>`);
  el.push(`<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" font-size="12" text-anchor="middle">${esc(l.y)}</text>`);
  peers.forEach((peer, i) => {
    const pts = data.filter((r) => r.series === peer).sort((a, b) => a.x - b.x);
    const color = COLORS[i % COLORS.length];
    const dash = l.dashed?.(peer) ? ' stroke-dasharray="5 4"' : '';
    const width = l.reference?.(peer) ? 3 : 2;
    el.push(`<polyline fill="none" stroke="${color}" stroke-width="${width}"${dash} points="${pts.map((r) => `${X(r.x).toFixed(1)},${Y(r.y).toFixed(1)}`).join(' ')}"/>`);
    for (const r of pts) {
      const fill = r.ok ? `fill="${color}"` : `fill="#fff" stroke="${color}" stroke-width="2"`;
      el.push(`<circle cx="${X(r.x).toFixed(1)}" cy="${Y(r.y).toFixed(1)}" r="${r.ok ? 3 : 4}" ${fill}/>`);
    }
    const ly = M.top + 10 + i * 20;
    el.push(`<line x1="${W - M.right + 14}" x2="${W - M.right + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="${width}"${dash}/>`);
    el.push(`<text x="${W - M.right + 46}" y="${ly + 4}" font-size="12">${esc(peer)}</text>`);
  });
  const ny = M.top + 10 + peers.length * 20 + 8;
  el.push(`<circle cx="${W - M.right + 27}" cy="${ny}" r="4" fill="#fff" stroke="#555" stroke-width="2"/>`);
  el.push(`<text x="${W - M.right + 46}" y="${ny + 4}" font-size="11">${esc(l.notOk)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n${el.join('\n')}\n</svg>\n`;
}
