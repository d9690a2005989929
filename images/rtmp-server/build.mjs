// Bundles the server (and the shared config model from lib/) into one file, so the image's final
// stage needs no node_modules: a small image, and exactly what `npm run server` and the tests run.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url)));
await build({
  entryPoints: [new URL('./src/main.ts', import.meta.url).pathname],
  outfile: new URL('./dist/main.js', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  define: { SERVER_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});

// The player page next to the bundle (dist/player/ → /app/player/ in the image), served by src/http/player-page.ts.
const { buildPlayer } = await import('./player/build.mjs');
await buildPlayer(new URL('./dist/player', import.meta.url).pathname);
