/**
 * One player attached to a stream: its socket, its position, and the slow-player policy. A player's
 * queue is its socket's own write buffer holding references to the shared batch buffers; when that
 * backlog passes `maxQueueBytes` the player skips to the next keyframe (frames counted as dropped), and
 * one that keeps dropping for `slowPlayerCloseSeconds` is closed.
 */
import type { Batch, Entry, OutputFormat } from './entry';
import type { ClientKind } from './types';

/** The part of a socket the fan-out uses (net.Socket satisfies it). */
export interface PlayerSocket {
  cork(): void;
  uncork(): void;
  write(b: Buffer): boolean;
  readonly writableLength: number;
  readonly destroyed: boolean;
}

/** Live-changeable delivery settings (config.play). */
export interface PlaySettings {
  gopCache: boolean;
  mergeWriteMs: number;
  maxQueueBytes: number;
  slowPlayerCloseSeconds: number;
  /** Players of a stream without a publisher are closed after this long. @default 30 */
  noPublisherCloseSeconds?: number;
}

export interface PlayerInit {
  readonly id: string;
  readonly kind: ClientKind;
  readonly ip: string;
  readonly format: OutputFormat;
  readonly socket: PlayerSocket;
  /**
   * Ends the player's session (the session then calls hub.stopPlay). `abort`: drop the connection at once
   * instead of flushing what is queued (a slow player's backlog would never flush).
   */
  readonly close: (reason: string, abort?: boolean) => void;
  /**
   * The player's query string (tokens); an edge's upstream pull started for this player carries it, so the
   * origin's on_play hook sees the same param (as SRS edges do).
   */
  readonly query?: string;
  /** Bytes received from the player (for the API). */
  readonly recvBytes?: () => number;
  /** The stream's publisher came (true) or went (false): RTMP players get PublishNotify/UnpublishNotify. */
  readonly publisherChanged?: (publishing: boolean) => void;
}

export const enum PlayerState { Live, Wait, Drop }

export class Player {
  state = PlayerState.Wait;
  nextSeq = 0;
  sendBytes = 0;
  droppedFrames = 0;
  /** Closed by the hub (too slow); gets nothing more while its session winds down. */
  closing = false;
  /** FLV: the file header is not written yet (the stream's tracks are not known); nothing is delivered. */
  awaitingHeader = false;
  private dropSince = 0;
  readonly startedAt = Date.now();

  constructor(readonly init: PlayerInit) {}

  get id(): string { return this.init.id; }
  get format(): OutputFormat { return this.init.format; }

  /** Writes the joining bytes (header, metadata, configs, GOP) at once, in one corked burst. */
  writeStart(bufs: Buffer[]): void {
    const s = this.init.socket;
    if (s.destroyed) return;
    s.cork();
    for (const b of bufs) { s.write(b); this.sendBytes += b.length; }
    s.uncork();
  }

  /**
   * Hands the player its part of a batch with one socket write. Returns the bytes written, or -1 when
   * the player has to be closed for being too slow.
   */
  deliver(batch: Batch, now: number, settings: PlaySettings): number {
    const entries = batch.entries;
    if (this.nextSeq >= batch.endSeq || this.closing || this.awaitingHeader) return 0;
    let i = this.nextSeq > batch.firstSeq ? this.nextSeq - batch.firstSeq : 0;
    this.nextSeq = batch.endSeq;
    const socket = this.init.socket;
    if (socket.destroyed) return 0;
    if (this.state === PlayerState.Live && socket.writableLength > settings.maxQueueBytes) {
      this.state = PlayerState.Drop;
      this.dropSince = now;
    }
    if (this.state !== PlayerState.Live) {
      const canResume = this.state === PlayerState.Wait || socket.writableLength <= settings.maxQueueBytes / 2;
      const k = canResume ? nextResume(entries, i) : entries.length;
      if (this.state === PlayerState.Drop) {
        for (let j = i; j < k; j++) if (entries[j].frame) this.droppedFrames++;
      }
      if (k === entries.length) {
        const tooLong = this.state === PlayerState.Drop && now - this.dropSince > settings.slowPlayerCloseSeconds * 1000;
        if (tooLong) this.closing = true;
        return tooLong ? -1 : 0;
      }
      this.state = PlayerState.Live;
      i = k;
    }
    const b = batch.from(this.init.format, i);
    socket.write(b);
    this.sendBytes += b.length;
    return b.length;
  }
}

function nextResume(entries: Entry[], from: number): number {
  let k = from;
  while (k < entries.length && !entries[k].resume) k++;
  return k;
}
