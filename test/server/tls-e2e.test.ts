// RTMPS and HTTPS against the real server with real clients: ffmpeg publishes over rtmps:// with a certificate
// made by openssl; ffprobe plays the stream over plain RTMP and over https://...flv (verifying the certificate);
// HLS is fetched over HTTPS; a certificate renewed on disk (kubelet-style symlink swap) is served to new
// connections without a restart, while the running publish goes on.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { probe } from '../helpers/media';
import { freePort } from '../helpers/ports';
import { RunningServer, startServer } from '../helpers/server-process';
import { peerCommonName, SecretMount } from '../helpers/tls-cert';
import { LoopPublisher, publishLoop } from './cluster-support';

jest.setTimeout(120_000);
const execFileP = promisify(execFile);

let server: RunningServer;
let secret: SecretMount;
let firstPem: string;
let rtmpsPort: number;
let httpsPort: number;
let pub: LoopPublisher;

beforeAll(async () => {
  secret = new SecretMount(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tls-e2e-')), 'tls'));
  firstPem = await secret.install('first.test');
  [rtmpsPort, httpsPort] = [await freePort(), await freePort()];
  server = await startServer({
    configYaml: [
      `tls:\n  certFile: ${secret.certFile}\n  keyFile: ${secret.keyFile}`,
      `rtmps:\n  enabled: true\n  port: ${rtmpsPort}`,
      `https:\n  enabled: true\n  port: ${httpsPort}`,
      'hls:\n  fragmentSeconds: 1\n  windowSeconds: 4',
    ].join('\n'),
  });
  pub = await publishLoop(`rtmps://127.0.0.1:${rtmpsPort}/live/secure`, 60);
});

afterAll(async () => {
  await pub?.stop();
  await server?.stop();
});

/** GET over HTTPS trusting only `ca`; resolves status and body. */
function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca, agent: false }, (res) => { // no pooled socket or cached TLS session: a full handshake each time
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

async function poll<T>(what: string, fn: () => Promise<T | null>, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await fn();
      if (v !== null) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what} not seen in ${timeoutMs} ms (last: ${String(last)})\n${server.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

const codecs = (r: Awaited<ReturnType<typeof probe>>) => r.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort();

describe('RTMPS and HTTPS', () => {
  test('a publish over rtmps:// plays over plain RTMP', async () => {
    const r = await probe(server.rtmpUrl('live', 'secure'));
    expect(codecs(r)).toEqual(['audio:aac', 'video:h264']);
    expect(pub.running()).toBe(true);
  });

  test('the same stream plays over https://...flv, with the certificate verified against the test CA', async () => {
    const caFile = path.join(path.dirname(secret.dir), 'ca.pem');
    fs.writeFileSync(caFile, firstPem);
    const { stdout } = await execFileP('ffprobe', [
      '-hide_banner', '-loglevel', 'error', '-rw_timeout', '15000000', '-tls_verify', '1', '-ca_file', caFile,
      '-show_streams', '-of', 'json', `https://localhost:${httpsPort}/live/secure.flv`,
    ], { timeout: 25_000 });
    const r = JSON.parse(stdout) as Awaited<ReturnType<typeof probe>>;
    expect(codecs(r)).toEqual(['audio:aac', 'video:h264']);
  });

  test('HLS is served over HTTPS too', async () => {
    const playlist = await poll('HLS playlist over HTTPS', async () => {
      const r = await httpsGet(`https://127.0.0.1:${httpsPort}/live/secure.m3u8`, firstPem);
      return r.status === 200 && r.body.includes('#EXTINF') ? r.body : null;
    });
    const seg = playlist.split('\n').find((l) => /\.ts(\?|$)/.test(l))!; // with the server's ?hls_ctx= viewer id
    const r = await httpsGet(`https://127.0.0.1:${httpsPort}/live/${seg}`, firstPem);
    expect(r.status).toBe(200);
    expect(r.body.length).toBeGreaterThan(1000);
  });

  test('a plain-RTMP client on the RTMPS port is refused without harming the server', async () => {
    await expect(probe(`rtmp://127.0.0.1:${rtmpsPort}/live/secure`, 5)).rejects.toThrow();
    expect(codecs(await probe(server.rtmpUrl('live', 'secure')))).toEqual(['audio:aac', 'video:h264']);
  });

  test('a certificate renewed on disk is served to new connections; the running publish continues', async () => {
    expect(await peerCommonName(rtmpsPort)).toBe('first.test');
    expect(await peerCommonName(httpsPort)).toBe('first.test');
    const secondPem = await secret.install('second.test');
    await poll('renewed certificate on RTMPS', async () => ((await peerCommonName(rtmpsPort)) === 'second.test' ? true : null));
    expect(await peerCommonName(httpsPort)).toBe('second.test');
    // The new certificate verifies, the old one no longer does for new connections.
    expect((await httpsGet(`https://127.0.0.1:${httpsPort}/live/secure.m3u8`, secondPem)).status).toBe(200);
    await expect(httpsGet(`https://127.0.0.1:${httpsPort}/live/secure.m3u8`, firstPem)).rejects.toThrow();
    expect(pub.running()).toBe(true);
    expect(codecs(await probe(server.rtmpUrl('live', 'secure')))).toEqual(['audio:aac', 'video:h264']);
    const metrics = await (await fetch(server.apiUrl('/metrics'))).text();
    expect(metrics).toMatch(/^rtmp_server_tls_certificate_reloads_total 1$/m);
    expect(metrics).toMatch(/^rtmp_server_tls_certificate_not_after_seconds \d{10}$/m);
  });

  test('a TLS listener without a certificate is a config error naming the field', async () => {
    await expect(startServer({ configYaml: `rtmps:\n  enabled: true\n  port: ${await freePort()}` }))
      .rejects.toThrow(/tls\.certFile is empty: rtmps\.enabled needs? a PEM file/);
  });
});
