/**
 * Merged reads for publishers (SRS `publish.mr`): after a read, a publisher's socket stops reading until the
 * process's next merge tick, and the bytes that arrived meanwhile come in one read. An encoder sends ~70 messages
 * a second, each in its own TCP segment; read as they come, each costs a wakeup, a read and a call into JS, which
 * at hundreds of publishers cost more than decoding and muxing them (bench/README.md, ingest). One timer for the
 * whole process, not one per socket; the kernel keeps acknowledging meanwhile, so the encoder is not slowed.
 */
import type { Socket } from 'node:net';

const held = new Set<Socket>();
let tick: NodeJS.Timeout | null = null;

/** Stops reading `socket` until the next tick (at most `ms` from now), then reads it again. */
export function holdReads(socket: Socket, ms: number): void {
  if (socket.destroyed) return;
  socket.pause();
  held.add(socket);
  tick ??= setTimeout(releaseAll, ms);
}

/** Sockets waiting for the next tick (tests). */
export function heldSockets(): number {
  return held.size;
}

function releaseAll(): void {
  tick = null;
  const sockets = [...held]; // a socket held again while these resume waits for the next tick
  held.clear();
  for (const s of sockets) if (!s.destroyed) s.resume();
}
