/**
 * The HTTP media listener (config.http.port): `.flv` → HTTP-FLV players, `.m3u8`/`.ts` → HLS files,
 * anything else → the player page, else 404.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import type { SessionContext } from '../session/context';
import { listenOn } from '../session/listen';
import { serveFlv } from './flv-play';
import { HlsFileCounters, serveHlsFile } from '../hls/files';
import type { HlsProxy } from '../hls/proxy';
import { servePlayerPage } from './player-page';
import { applyTimeouts, TIMEOUT_OPTIONS } from './timeouts';
import type { HttpConfig } from '../../../../lib/server-config';

export interface MediaHttpSettings {
  readonly cors: string;
  readonly playerPage: boolean;
  readonly hlsDir: string;
  readonly hlsEnabled: boolean;
}

export class MediaHttpServer {
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  /** Other listeners serving these routes (HTTPS): they get the same request timeouts. */
  private readonly others: http.Server[] = [];

  constructor(
    private readonly ctx: SessionContext,
    private readonly settings: () => MediaHttpSettings,
    /** Origin cluster: HLS this server does not have is proxied to the origin holding it (src/hls/proxy). */
    private readonly hlsProxy?: HlsProxy,
    /** Requests and HLS viewers counted while serving files. */
    private readonly hlsCounters: HlsFileCounters = {},
  ) {
    this.server = http.createServer(TIMEOUT_OPTIONS, (req, res) => this.route(req, res));
    this.track(this.server);
    this.server.on('clientError', (_e, socket) => socket.destroy());
    this.server.on('error', (e) => ctx.log.error({ event: 'http-listener-error', err: e.message }, 'HTTP listener error'));
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const s = this.settings();
    try {
      if (serveFlv(req, res, this.ctx, s.cors)) return;
      const proxy = this.hlsProxy;
      if (s.hlsEnabled && serveHlsFile(req, res, s.hlsDir, s.cors, proxy && (() => proxy(req, res, s.cors)), this.hlsCounters)) return;
      if (proxy?.(req, res, s.cors)) return;
      if (s.playerPage && servePlayerPage(req, res)) return;
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    } catch (e) {
      this.ctx.log.error({ event: 'http-error', url: req.url?.slice(0, 300), err: (e as Error).message }, 'HTTP handler failed');
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    }
  }

  /**
   * Serves the same routes on another listener (the HTTPS one, src/tls): its connections are tracked here too,
   * so closeAll() ends them with the plain ones.
   */
  serveOn(other: http.Server): void {
    other.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.route(req, res));
    this.track(other);
    this.others.push(other);
  }

  private track(server: http.Server): void {
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  /** Bounds on receiving requests (http.*TimeoutSeconds); called at start and on reload. */
  setTimeouts(c: HttpConfig): void {
    for (const s of [this.server, ...this.others]) applyTimeouts(s, c);
  }

  listen(port: number, host?: string): Promise<void> {
    return listenOn(this.server, port, host);
  }

  /** Stops accepting (resolves at once: running players are not waited for). */
  async stop(): Promise<void> {
    if (this.server.listening) this.server.close();
    this.server.closeIdleConnections();
  }

  closeAll(): void {
    for (const s of this.sockets) s.destroy();
  }
}
