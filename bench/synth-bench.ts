/**
 * Synth benchmark (a figure, not a test): builds 100 EdgeCluster constructs, each in its own chart,
 * and synthesizes them to manifests and YAML in memory. Prints the wall time of each of 3 runs.
 *   npm run bench:synth
 */
import { performance } from 'perf_hooks';
import { App, Chart, Yaml } from 'cdk8s';
import { EdgeCluster, ServerEngine } from '../lib';

const CLUSTERS = 100;
const RUNS = 3;

function run(engine: 'companion' | 'srs'): { ms: number; objects: number; bytes: number } {
  const start = performance.now();
  const app = new App({ outdir: '/nonexistent-never-written' });
  let objects = 0;
  let bytes = 0;
  for (let i = 0; i < CLUSTERS; i++) {
    const chart = new Chart(app, `edge-${i}`);
    new EdgeCluster(chart, 'EdgeCluster', {
      name: `edge-${i}`,
      engine: engine === 'srs' ? ServerEngine.srs() : ServerEngine.companion(),
    });
    const manifests = chart.toJson();
    objects += manifests.length;
    bytes += Yaml.stringify(...manifests).length;
  }
  return { ms: performance.now() - start, objects, bytes };
}

for (const engine of ['companion', 'srs'] as const) {
  for (let r = 1; r <= RUNS; r++) {
    const { ms, objects, bytes } = run(engine);
    console.log(
      `${engine} run ${r}: ${CLUSTERS} edge clusters (${objects} objects, ${(bytes / 1024).toFixed(0)} KiB YAML) in ${ms.toFixed(0)} ms` +
        ` = ${(ms / CLUSTERS).toFixed(1)} ms per cluster`,
    );
  }
}
