// Bundles the player page: index.html + player.css + player.js, with hls.js and mpegts.js inside (no CDN:
// viewers and clusters may be offline). Each engine is a separate chunk loaded on demand, so a viewer only
// downloads the library of the protocol they play.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const here = new URL('.', import.meta.url).pathname;

/** Writes the page into `outdir` (replacing what was there). */
export async function buildPlayer(outdir) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: [{ in: join(here, 'src/main.ts'), out: 'player' }, { in: join(here, 'player.css'), out: 'player' }],
    outdir,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    // Every browser with ES modules and dynamic import (what the page itself needs) parses ES2020.
    target: 'es2020',
    minify: true,
    legalComments: 'eof',
    logLevel: 'warning',
  });
  copyFileSync(join(here, 'index.html'), join(outdir, 'index.html'));
  precompress(outdir);
}

/** Writes `x.gz` next to every text file, so the server sends the player libraries at a third of their size. */
function precompress(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.(html|js|css)$/.test(entry.name)) continue;
    const file = join(entry.parentPath ?? entry.path, entry.name);
    writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }));
  }
}
