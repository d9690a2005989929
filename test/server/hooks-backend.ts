/**
 * A small platform backend for the hook tests: a real node:http server on loopback that records every callback
 * (path + JSON body) and answers by route:
 *   /key      allows when `param` carries `key=good` (`{"code":0}`), else denies (`{"code":403}`); `/key0` answers `0`
 *   /forward  allows and names forward URLs (`{"code":0,"data":{"urls":[...]}}`, set with `forwardUrls`)
 *   /delay    allows after 300 ms
 *   /slow     never answers (a backend that hangs)
 *   /huge     HTTP 200 with 2 MiB of garbage
 *   /error    HTTP 500
 *   anything else: 200 `0`
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HookCall {
  readonly path: string;
  readonly body: Record<string, any>;
  readonly at: number;
}

export class HookBackend {
  readonly calls: HookCall[] = [];
  forwardUrls: string[] = [];
  private server!: http.Server;
  private readonly held = new Set<http.ServerResponse>();
  port = 0;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body: Record<string, any> = {};
        try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { body = { unparsable: true }; }
        const path = (req.url ?? '/').split('?')[0];
        this.calls.push({ path, body, at: Date.now() });
        this.answer(path, body, res);
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  private answer(path: string, body: Record<string, any>, res: http.ServerResponse): void {
    const base = path.replace(/^\/[a-z]\//, '/'); // `/o/key` and `/e/key` behave like `/key`, recorded apart
    if (base === '/key' || base === '/key0') {
      const ok = typeof body.param === 'string' && /[?&]key=good(&|$)/.test(body.param);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(ok ? (base === '/key0' ? '0' : '{"code":0}') : '{"code":403,"msg":"bad key"}');
    } else if (base === '/forward') {
      res.writeHead(200).end(JSON.stringify({ code: 0, data: { urls: this.forwardUrls } }));
    } else if (base === '/delay') {
      setTimeout(() => res.writeHead(200).end('0'), 300);
    } else if (base === '/slow') {
      this.held.add(res);
    } else if (base === '/huge') {
      res.writeHead(200);
      res.end(Buffer.alloc(2 * 1024 * 1024, 0x7b)); // '{{{{...'
    } else if (base === '/error') {
      res.writeHead(500).end('boom');
    } else {
      res.writeHead(200).end('0');
    }
  }

  url(path: string): string { return `http://127.0.0.1:${this.port}${path}`; }

  /** Calls to `path` (optionally with body fields equal to `fields`). */
  callsTo(path: string, fields: Record<string, unknown> = {}): HookCall[] {
    return this.calls.filter((c) => c.path === path && Object.entries(fields).every(([k, v]) => c.body[k] === v));
  }

  async stop(): Promise<void> {
    for (const r of this.held) r.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** YAML for a `hooks:` section mapping events to backend paths, plus extra lines (timeoutMs...). */
export function hooksYaml(backend: HookBackend, events: Record<string, string>, extra: Record<string, unknown> = {}): string {
  const lines = ['hooks:'];
  for (const [event, path] of Object.entries(events)) lines.push(`  ${event}: ["${backend.url(path)}"]`);
  for (const [k, v] of Object.entries(extra)) lines.push(`  ${k}: ${JSON.stringify(v)}`);
  return `${lines.join('\n')}\n`;
}
