/**
 * Merged reads for publishers (SRS `publish.mr`): after a read, a publisher's socket stops reading until the
 * process's next merge tick, and the bytes that arrived meanwhile come in one read. An encoder sends ~70 messages
 * a second, each in its own TCP segment; read as they come, each costs a wakeup, a read and a call into JS, which
 * at hundreds of publishers cost more than decoding and muxing them (bench/README.md, ingest). One timer for the
 * whole process, not one per socket; the kernel keeps acknowledging meanwhile, so the encoder is not slowed.
 */
import type { Socket } from 'node:net';
import { SHARED_READ_BYTES } from './socket-reads';

/**
 * Sockets held until the next tick, in two arrays used in turn and reused (a Set cleared every tick reallocated its
 * table each time: ~0.2 MB/s of old-generation garbage at 200 publishers). A socket is held at most once per tick:
 * it reads nothing more until it is resumed.
 */
let held: (Socket | undefined)[] = [];
let count = 0;
let resuming: (Socket | undefined)[] = [];
let tick: NodeJS.Timeout | null = null;

/** Stops reading `socket` until the next tick (at most `ms` from now), then reads it again. */
export function holdReads(socket: Socket, ms: number): void {
  if (socket.destroyed) return;
  socket.pause();
  held[count++] = socket;
  tick ??= setTimeout(releaseAll, ms);
}

/**
 * After a read of `bytes` into the shared buffer (socket-reads.ts): holds the socket until the next tick, unless the
 * read filled the buffer. Then bytes are left in the kernel and the next read comes at once; held after every
 * read, a publisher would get at most one buffer per tick (64 KiB per 100 ms, ~5 Mbit/s).
 */
export function holdAfterRead(socket: Socket, bytes: number, ms: number): void {
  if (bytes < SHARED_READ_BYTES) holdReads(socket, ms);
}

/** Sockets waiting for the next tick (tests). */
export function heldSockets(): number {
  return count;
}

function releaseAll(): void {
  tick = null;
  // A socket held again while these resume waits for the next tick, in the other array.
  const sockets = held;
  const n = count;
  held = resuming;
  resuming = sockets;
  count = 0;
  for (let i = 0; i < n; i++) {
    const s = sockets[i]!;
    sockets[i] = undefined; // no socket kept past its tick
    if (!s.destroyed) s.resume();
  }
}
