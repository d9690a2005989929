// A web page from another origin against the API, in Debian's chromium. The API used to answer every preflight
// with `*` and `GET, DELETE`, and kicking was on by default: such a page listed /api/v1/clients and DELETEd each
// one, ending viewers' and publishers' streams. Now any page may read, and only the pages of api.corsOrigins,
// with the api.token, may kick.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { publish, Publisher } from '../helpers/media';
import { freePort } from '../helpers/ports';
import { RunningServer, startServer } from '../helpers/server-process';
import { getJson, play, Player, until } from '../server/api-players';
import { launchChromium } from './chromium';

/** A page server on its own port (= its own web origin) whose page lists the clients and tries to kick each. */
async function pageServer(apiUrl: string, token: string, port = 0): Promise<{ origin: string; close(): Promise<void> }> {
  const html = `<!doctype html><meta charset="utf-8"><title>other origin</title><script>
    (async () => {
      const out = { listed: [], kicks: [] };
      try {
        const list = await (await fetch(${JSON.stringify(apiUrl)} + '/api/v1/clients')).json();
        out.listed = list.clients.map((c) => c.id);
        for (const id of out.listed) {
          try {
            const r = await fetch(${JSON.stringify(apiUrl)} + '/api/v1/clients/' + id, {
              method: 'DELETE', headers: ${JSON.stringify(token ? { Authorization: `Bearer ${token}` } : {})},
            });
            out.kicks.push(id + ':' + r.status);
          } catch (e) { out.kicks.push(id + ':blocked'); }
        }
      } catch (e) { out.error = String(e); }
      window.result = out;
    })();
  </script>`;
  const srv = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(html));
  await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(() => r()); }),
  };
}

interface PageResult { listed: string[]; kicks: string[]; error?: string }

let browser: Browser;
beforeAll(async () => { browser = await launchChromium(); }, 60_000);
afterAll(async () => { await browser?.close(); });

/** Opens `origin`'s page and returns what its script did. */
async function runPage(origin: string): Promise<PageResult> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(origin);
    await page.waitForFunction(() => (window as any).result !== undefined, null, { timeout: 20_000 });
    return await page.evaluate(() => (window as any).result as PageResult);
  } finally {
    await context.close();
  }
}

/** A server with a publisher and an HTTP-FLV player on it (the would-be victims). */
async function victims(server: RunningServer): Promise<{ pub: Publisher; player: Player; stop(): Promise<void> }> {
  const pub = publish(server.rtmpUrl('live', 'victim'), 60);
  const player = play(server.httpUrl('/live/victim.flv'), 60);
  await until(() => player.frames() > 10, 150);
  return { pub, player, stop: async () => { await player.stop(); await pub.stop(); } };
}

const clientIds = async (server: RunningServer) =>
  ((await getJson(server.apiUrl('/api/v1/clients'))).clients as any[]).map((c) => c.id).sort();

test('default config: a page from another origin can list the clients but kicks nobody', async () => {
  const server = await startServer({ configYaml: 'hls:\n  enabled: false\n' });
  const page = await pageServer(`http://127.0.0.1:${server.apiPort}`, '');
  const v = await victims(server);
  try {
    const before = await clientIds(server);
    expect(before).toHaveLength(2);
    const r = await runPage(page.origin);
    expect(r.error).toBeUndefined();
    expect(r.listed.sort()).toEqual(before); // reading stays open (the player page's live list needs it)
    expect(r.kicks.sort()).toEqual(before.map((id) => `${id}:blocked`)); // the preflight refuses DELETE
    const frames = v.player.frames();
    await until(() => v.player.frames() > frames + 25, 100);
    expect(await clientIds(server)).toEqual(before);
  } finally {
    await v.stop();
    await page.close();
    await server.stop();
  }
}, 120_000);

test('api.corsOrigins + api.token: the listed origin kicks with the token; another origin with it still cannot', async () => {
  const token = 'kick-token-0123456789';
  const opsOrigin = `http://127.0.0.1:${await freePort()}`;
  const server = await startServer({
    configYaml: `hls:\n  enabled: false\napi:\n  corsOrigins: ["${opsOrigin}"]\n`,
    env: { RTMP_SERVER_API_TOKEN: token }, // the token comes from the environment (a Secret), not the ConfigMap
  });
  const api = `http://127.0.0.1:${server.apiPort}`;
  const other = await pageServer(api, token);
  const ops = await pageServer(api, token, Number(new URL(opsOrigin).port));
  const v = await victims(server);
  try {
    const before = await clientIds(server);
    expect(before).toHaveLength(2);
    const fromOther = await runPage(other.origin);
    expect(fromOther.kicks.sort()).toEqual(before.map((id) => `${id}:blocked`));
    expect(await clientIds(server)).toEqual(before);
    const fromOps = await runPage(ops.origin);
    expect(fromOps.kicks.sort()).toEqual(before.map((id) => `${id}:200`));
    await until(async () => (await clientIds(server)).length === 0, 50);
  } finally {
    await v.stop();
    await other.close();
    await ops.close();
    await server.stop();
  }
}, 120_000);
