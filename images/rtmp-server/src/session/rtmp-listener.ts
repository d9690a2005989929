/** The RTMP TCP listener: one RtmpSession per connection; tracks them for shutdown. */
import * as net from 'node:net';
import type { SessionContext } from './context';
import { listenOn } from './listen';
import { RtmpSession } from './rtmp-session';

export class RtmpListener {
  private readonly server: net.Server;
  private readonly sessions = new Set<RtmpSession>();

  constructor(private readonly ctx: SessionContext) {
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    // A listener error after binding (EMFILE and such) is logged; it must not end the process.
    this.server.on('error', (e) => ctx.log.error({ event: 'rtmp-listener-error', err: e.message }, 'RTMP listener error'));
  }

  /** Starts a session on a connected socket: this listener's own, or one another listener accepted (RTMPS). */
  accept(socket: net.Socket): void {
    let session: RtmpSession;
    try {
      session = new RtmpSession(socket, this.ctx);
    } catch (e) {
      socket.destroy();
      this.ctx.log.error({ event: 'close', reason: `session setup failed: ${(e as Error).message}` }, 'session setup failed');
      return;
    }
    this.sessions.add(session);
    socket.once('close', () => this.sessions.delete(session));
  }

  listen(port: number, host?: string): Promise<void> {
    return listenOn(this.server, port, host);
  }

  /** Stops accepting; running sessions continue (resolves at once, without waiting for them). */
  async stop(): Promise<void> {
    if (this.server.listening) this.server.close();
  }

  get count(): number { return this.sessions.size; }

  closeAll(reason: string): void {
    for (const s of [...this.sessions]) s.close(reason);
  }
}
