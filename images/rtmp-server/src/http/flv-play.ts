/**
 * HTTP-FLV players: `GET /{app}/{stream}.flv[?key=...]`. The fan-out writes the shared FLV tag buffers, one
 * write per merge window. They go through the ServerResponse while it waits behind earlier pipelined responses
 * on the connection (Node keeps responses in order, so an FLV play behind `GET /` waits for that page instead
 * of overtaking it), and straight onto the socket once the response owns it (no per-write HTTP bookkeeping on
 * the fan-out path). The body is close-delimited (no chunked encoding): the bytes are exactly the FLV stream.
 * With an `onPlay` hook the play starts once the backend allowed it.
 */
import type * as http from 'node:http';
import type { PlayerSocket } from '../hub/player';
import { checkPlay } from '../auth';
import { isValidName } from '../hub/stream-names';
import type { HookClient } from '../hooks/srs-body';
import type { SessionContext } from '../session/context';

const FLV_PATH = /^\/([^/]+)\/([^/]+)\.flv$/;

/** Handles the request if it is an FLV play; false when the path is not `.flv`. */
export function serveFlv(req: http.IncomingMessage, res: http.ServerResponse, ctx: SessionContext, cors: string): boolean {
  // Most requests on this port are HLS: only a path ending in .flv is worth a URL parse (which keeps it so).
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  if (!(q < 0 ? raw : raw.slice(0, q)).endsWith('.flv')) return false;
  const url = new URL(raw, 'http://x');
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
  if (!hooks?.has('onPlay')) { startFlv(req, res, ctx, cors, id, ip, app, name, url); return true; }
  const client = hookClientOf(req, id, ip, app, name, url);
  hooks.gate('onPlay', client).then((g) => {
    if (req.socket.destroyed) return;
    if (!g.allowed) { refuse(403, g.reason, app, name); return; }
    startFlv(req, res, ctx, cors, id, ip, app, name, url);
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
  req: http.IncomingMessage, res: http.ServerResponse, ctx: SessionContext, cors: string,
  id: string, ip: string, app: string, name: string, url: URL,
): void {
  const socket = req.socket;
  socket.setNoDelay(true);
  // Neither length nor chunking: the response ends with the connection (later pipelined requests get none).
  res.removeHeader('Content-Length');
  res.removeHeader('Transfer-Encoding');
  res.writeHead(200, {
    'Content-Type': 'video/x-flv', 'Cache-Control': 'no-cache', Connection: 'close',
    ...(cors ? { 'Access-Control-Allow-Origin': cors } : {}),
  });
  res.flushHeaders();
  const started = Date.now();
  ctx.hub.countAccepted();
  ctx.log.info({ event: 'play', kind: 'flv-play', client: id, ip, app, stream: name }, 'play started');
  let closedReason = '';
  const close = (reason: string, abort?: boolean) => {
    if (!closedReason) closedReason = reason;
    if (abort) { socket.destroy(); return; }
    res.end();
    setTimeout(() => socket.destroy(), 2000).unref();
  };
  const player = ctx.hub.play(app, name, {
    id, kind: 'flv-play', ip, format: 'flv', socket: playerOutput(res), close, recvBytes: () => socket.bytesRead,
    query: url.searchParams.toString(),
  });
  socket.on('error', () => {});
  const hooked = ctx.hooks ? { ...hookClientOf(req, id, ip, app, name, url), streamId: ctx.hub.stream(app, name)?.id } : null;
  // The response's close, or the socket's when a pipelined FLV response never got to the front of the queue.
  let gone = false;
  const onGone = () => {
    if (gone) return;
    gone = true;
    ctx.hub.stopPlay(player);
    if (hooked) ctx.hooks?.notify('onStop', hooked);
    ctx.log.info({
      event: 'close', client: id, ip, app, stream: name, role: 'play', reason: closedReason || 'peer closed',
      durationMs: Date.now() - started, bytesOut: player.sendBytes,
    }, 'session closed');
  };
  res.once('close', onGone);
  socket.once('close', onGone);
}

/**
 * Where the player's bytes go. `res.socket` is set only when the response reaches the front of the connection's
 * queue, and Node then flushes what the response buffered (head included) before anything else is written.
 */
function playerOutput(res: http.ServerResponse): PlayerSocket {
  const to = (): PlayerSocket => res.socket ?? res;
  return {
    cork: () => to().cork(),
    uncork: () => to().uncork(),
    write: (b) => to().write(b),
    get writableLength() { return to().writableLength; },
    get destroyed() { return res.destroyed || to().destroyed; },
  };
}
