/**
 * The client side of an RTMP publish (what ffmpeg does to a server): TCP connect, handshake, `connect`,
 * `createStream`, `publish`, and wait for `NetStream.Publish.Start`. Resolves with the established
 * connection, whose socket then carries media chunks on MEDIA_STREAM_ID; rejects (and closes) on a refusal,
 * a close or the deadline.
 */
import * as net from 'node:net';
import type { AmfObject } from '../protocol/rtmp/amf0';
import { MEDIA_STREAM_ID } from '../protocol/rtmp/constants';
import { RtmpCommand, RtmpConnection } from '../protocol/rtmp/connection';
import { splitHostPort } from '../discovery/resolver';

export interface PublishTarget {
  /** `ip:port` of the RTMP server. */
  readonly address: string;
  readonly app: string;
  /** Stream name, with `?query` if the target needs one (auth). */
  readonly stream: string;
}

export interface PublishClientOptions {
  /** Chunk size announced before media (the hub encodes media once at this size). */
  readonly chunkSize: number;
  readonly maxMessageSize: number;
  /** Deadline for TCP connect + handshake + the command exchange. */
  readonly timeoutMs: number;
}

/** Opens a publish on `target`. */
export function openPublish(target: PublishTarget, opts: PublishClientOptions): Promise<RtmpConnection> {
  const hp = splitHostPort(target.address);
  if (!hp) return Promise.reject(new Error(`bad address ${target.address}`));
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hp.host, port: hp.port, noDelay: true });
    const conn = new RtmpConnection(socket, { role: 'client', maxMessageSize: opts.maxMessageSize, setupTimeoutMs: opts.timeoutMs });
    let done = false;
    const fail = (reason: string) => {
      if (done) return;
      done = true;
      conn.fail(reason);
      reject(new Error(reason));
    };
    conn.onClose = (reason) => fail(reason);
    socket.once('connect', () => conn.start());
    const tcUrl = `rtmp://${target.address}/${target.app}`;
    conn.onReady = () => {
      conn.setOutChunkSize(opts.chunkSize);
      conn.sendCommand(0, 'connect', 1, { app: target.app, type: 'nonprivate', flashVer: 'FMLE/3.0 (rtmp-server relay)', tcUrl });
    };
    conn.onCommand = (c: RtmpCommand) => {
      if (done) return;
      const info = (c.args[0] ?? {}) as AmfObject;
      const code = typeof info.code === 'string' ? info.code : '';
      if (c.name === '_error' || (c.name === 'onStatus' && info.level === 'error')) {
        return fail(`refused: ${code || c.name}${typeof info.description === 'string' ? ` (${info.description})` : ''}`);
      }
      if (c.name === '_result' && c.transId === 1) {
        conn.sendCommand(0, 'releaseStream', 2, null, target.stream);
        conn.sendCommand(0, 'FCPublish', 3, null, target.stream);
        conn.sendCommand(0, 'createStream', 4, null);
      } else if (c.name === '_result' && c.transId === 4) {
        // Media is encoded once for every player on MEDIA_STREAM_ID; a server handing out another id cannot take it.
        if (c.args[0] !== MEDIA_STREAM_ID) return fail(`createStream answered stream id ${String(c.args[0])}, need ${MEDIA_STREAM_ID}`);
        conn.sendCommand(MEDIA_STREAM_ID, 'publish', 5, null, target.stream, 'live');
      } else if (c.name === 'onStatus' && code === 'NetStream.Publish.Start') {
        done = true;
        conn.established();
        resolve(conn);
      }
    };
  });
}
