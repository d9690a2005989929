// Renders the synthesized Grafana dashboard's panels with real data into docs/dashboard.png: the live stack of
// test/ops (real origin + edge, ffmpeg publisher, 10 ffmpeg HTTP-FLV players, a real Prometheus) runs for
// SECONDS, then every panel's queries are run as range queries and drawn as line charts in Debian's chromium.
// Grafana itself is not installable here, so this draws the same queries with the same units, not Grafana's UI.
// Run: npx ts-node -T scripts/render-dashboard.ts [seconds]   (-T: test/browser uses DOM types the root tsconfig leaves out)
import * as path from 'node:path';
import { launchChromium } from '../test/browser/chromium';
import { startLiveStack } from '../test/ops/live-stack';
import { NAMESPACE, only, synthEdgeCluster } from '../test/ops/support';

const SECONDS = Number(process.argv[2] ?? 120);
const COLORS = ['#73bf69', '#f2cc0c', '#5794f2', '#ff780a', '#f2495c', '#b877d9', '#8ab8ff', '#fade2a'];

interface Series { label: string; points: [number, number][] }

function format(v: number, unit: string): string {
  const si = (x: number, suffix: string) => {
    const units = ['', 'k', 'M', 'G'];
    let i = 0;
    while (Math.abs(x) >= 1000 && i < units.length - 1) { x /= 1000; i++; }
    return `${Number(x.toFixed(x < 10 && x !== Math.round(x) ? 2 : 0))} ${units[i]}${suffix}`.trim();
  };
  if (unit === 'bps') return si(v, 'b/s');
  if (unit === 'Bps') return si(v, 'B/s');
  if (unit === 'bytes') return si(v, 'B');
  if (unit === 's') return `${Number(v.toFixed(2))} s`;
  if (unit === 'percentunit') return `${(v * 100).toFixed(1)}%`;
  return si(v, '');
}

function chart(title: string, unit: string, series: Series[], w: number, h: number): string {
  const all = series.flatMap((s) => s.points);
  const t0 = Math.min(...all.map((p) => p[0])), t1 = Math.max(...all.map((p) => p[0]));
  const top0 = Math.max(0, ...all.map((p) => p[1]));
  const max = top0 > 0 ? top0 * 1.1 : 1; // an all-zero panel gets a 0..1 axis
  const left = 70, top = 30, pw = w - left - 15, ph = h - top - 30;
  const x = (t: number) => left + ((t - t0) / Math.max(1, t1 - t0)) * pw;
  const y = (v: number) => top + ph - (v / max) * ph;
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => `<line x1="${left}" x2="${left + pw}" y1="${y(max * f)}" y2="${y(max * f)}" stroke="#2c3036"/>`
    + `<text x="${left - 6}" y="${y(max * f) + 4}" text-anchor="end">${format(max * f, unit)}</text>`).join('');
  const lines = series.map((s, i) => `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2" points="${s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`).join('');
  const legend = series.slice(0, 6).map((s, i) => `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${s.label}</span>`).join('');
  return `<div class="panel"><div class="title">${title}</div><svg width="${w}" height="${h}">${grid}${lines}`
    + `<text x="${left}" y="${h - 8}">-${Math.round(t1 - t0)} s</text><text x="${left + pw}" y="${h - 8}" text-anchor="end">now</text></svg>`
    + `<div class="legend">${legend}</div></div>`;
}

async function main(): Promise<void> {
  const { objects } = synthEdgeCluster({ monitoring: {} });
  const dashboard = JSON.parse(Object.values(objects.find((o) => o.metadata.labels?.grafana_dashboard === '1')!.data as Record<string, string>)[0]);
  const stack = await startLiveStack({ podMonitor: only(objects, 'PodMonitor'), rules: only(objects, 'PrometheusRule'), players: 10, seconds: SECONDS + 30 });
  try {
    process.stdout.write(`collecting ${SECONDS} s of data...\n`);
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const panels: string[] = [];
    for (const p of dashboard.panels) {
      const series: Series[] = [];
      for (const t of p.targets) {
        const expr = t.expr.replace(/\$namespace/g, NAMESPACE).replace(/\$__rate_interval/g, '30s');
        const r = await stack.range(expr, SECONDS - 5, 2);
        for (const s of r.data?.result ?? []) {
          const label = (t.legendFormat as string).replace(/\{\{(\w+)\}\}/g, (_m: string, k: string) => s.metric[k] ?? '');
          series.push({ label, points: (s.values ?? []).map(([ts, v]) => [ts, Number(v)]) });
        }
      }
      panels.push(chart(p.title, p.fieldConfig.defaults.unit, series, 600, 210));
      process.stdout.write(`${p.title}: ${series.length} series\n`);
    }
    const html = `<html><head><style>
      body{background:#111217;color:#ccccdc;font:12px sans-serif;margin:12px;width:1240px}
      h1{font-size:16px;font-weight:500;margin:4px 4px 10px} .grid{display:flex;flex-wrap:wrap;gap:8px}
      .panel{background:#181b1f;border:1px solid #2c3036;border-radius:2px;padding:6px;width:600px}
      .title{font-weight:500;font-size:13px;margin:2px 4px} svg text{fill:#8e8e9a;font-size:10px}
      .legend span{margin-right:10px;white-space:nowrap} .legend i{display:inline-block;width:10px;height:3px;margin:0 4px 3px 0}
      </style></head><body><h1>${dashboard.title} — ${dashboard.panels.length} panels, ${SECONDS} s of a live origin + edge with 10 HTTP-FLV players</h1>
      <div class="grid">${panels.join('')}</div></body></html>`;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1264, height: 800 } });
      await page.setContent(html);
      const out = path.join(__dirname, '..', 'docs', 'dashboard.png');
      await page.screenshot({ path: out, fullPage: true });
      process.stdout.write(`wrote ${out}\n`);
    } finally {
      await browser.close();
    }
  } finally {
    await stack.stop();
  }
}

main().catch((e) => { process.stderr.write(`${(e as Error).stack}\n`); process.exit(1); });
