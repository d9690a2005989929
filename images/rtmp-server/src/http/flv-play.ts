/**
 * HTTP-FLV players: `GET /{app}/{stream}.flv[?key=...]`. After validation the response is written
 * straight onto the socket (our own header, no chunked encoding), so the fan-out path is the same as for
 * RTMP players: shared FLV tag buffers, one socket write per merge window.
 */
import type * as http from 'node:http';
import { checkPlay } from '../auth';
import { isValidName } from '../hub/stream-names';
import { flvHeader } from '../protocol/flv';
import type { HookClient } from '../hooks/srs-body';
import type { SessionContext } from '../session/context';

const FLV_PATH = /^\/([^/]+)\/([^/]+)\.flv$/;

/** Handles the request if it is an FLV play; false when the path is not `.flv`. */
export function serveFlv(req: http.IncomingMessage, res: http.ServerResponse, ctx: SessionContext, cors: string): boolean {
  const url = new URL(req.url ?? '/', 'http://x');
  const m = FLV_PATH.exec(url.pathname);
  if (!m) return false;
  const ip = req.socket.remoteAddress ?? '';
  const id = ctx.hub.newClientId();
  const refuse = (status: number, reason: string, app?: string, stream?: string) => {
    ctx.hub.countRejected();
    ctx.log.warn({ event: 'reject', client: id, ip, app, stream, reason }, `refused: ${reason}`);
    res.writeHead(status, { 'Content-Type': 'text/plain', Connection: 'close' }).end(`${reason}\n`);
  };
  let app: string, name: string;
  try {
    app = decodeURIComponent(m[1]);
    name = decodeURIComponent(m[2]);
  } catch {
    refuse(400, 'bad URL encoding');
    return true;
  }
  if (!isValidName(app) || !isValidName(name)) { refuse(404, 'invalid app or stream name'); return true; }
  if (req.method !== 'GET') { res.writeHead(405, { Allow: 'GET' }).end(); return true; }
  const denied = checkPlay(ctx.settings().auth, url.searchParams);
  if (denied) { refuse(403, denied, app, name); return true; }
  const hooks = ctx.hooks;
  if (!hooks?.has('onPlay')) { startFlv(req, ctx, cors, id, ip, app, name, url); return true; }
  const client = hookClientOf(req, id, ip, app, name, url);
  hooks.gate('onPlay', client).then((g) => {
    if (req.socket.destroyed) return;
    if (!g.allowed) { refuse(403, g.reason, app, name); return; }
    startFlv(req, ctx, cors, id, ip, app, name, url);
  }).catch((e: Error) => { // never an unhandled rejection (it would end the process)
    ctx.log.error({ event: 'http-error', client: id, err: e.message }, 'HTTP-FLV play failed');
    req.socket.destroy();
  });
  return true;
}

/** What the hooks are told about an HTTP-FLV player (tcUrl: the URL it asked for, without the query). */
function hookClientOf(req: http.IncomingMessage, id: string, ip: string, app: string, name: string, url: URL): HookClient {
  const host = (req.headers.host ?? '').slice(0, 255);
  return { id, ip, app, stream: name, query: url.searchParams.toString(), tcUrl: `http://${host}/${app}` };
}

/** Writes the FLV response head and attaches the player to the hub. */
function startFlv(
  req: http.IncomingMessage, ctx: SessionContext, cors: string, id: string, ip: string, app: string, name: string, url: URL,
): void {
  const socket = req.socket;
  socket.setNoDelay(true);
  const head = 'HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nCache-Control: no-cache\r\nConnection: close\r\n' +
    (cors ? `Access-Control-Allow-Origin: ${cors}\r\n` : '') + '\r\n';
  const header = Buffer.concat([Buffer.from(head, 'latin1'), flvHeader()]);
  const started = Date.now();
  ctx.hub.countAccepted();
  ctx.log.info({ event: 'play', kind: 'flv-play', client: id, ip, app, stream: name }, 'play started');
  let closedReason = '';
  const close = (reason: string, abort?: boolean) => {
    if (!closedReason) closedReason = reason;
    if (abort) { socket.destroy(); return; }
    socket.end();
    setTimeout(() => socket.destroy(), 2000).unref();
  };
  const player = ctx.hub.play(app, name, {
    id, kind: 'flv-play', ip, format: 'flv', socket, close, recvBytes: () => socket.bytesRead, query: url.searchParams.toString(),
  }, header);
  socket.on('error', () => {});
  const hooked = ctx.hooks ? { ...hookClientOf(req, id, ip, app, name, url), streamId: ctx.hub.stream(app, name)?.id } : null;
  socket.once('close', () => {
    ctx.hub.stopPlay(player);
    if (hooked) ctx.hooks?.notify('onStop', hooked);
    ctx.log.info({
      event: 'close', client: id, ip, app, stream: name, role: 'play', reason: closedReason || 'peer closed',
      durationMs: Date.now() - started, bytesOut: player.sendBytes,
    }, 'session closed');
  });
}
