/**
 * Socket reads without the Readable machinery: a plain TCP socket's bytes land in one buffer shared by every
 * connection of the process and go straight to a callback (Node's `onread` socket option, which net.Server
 * does not offer for the sockets it accepts, so it is applied here to an accepted socket before its first read).
 *
 * Why: an ingest server reads ~100 times per second per publisher. Through 'data', each read costs a fresh
 * 64 KiB allocation shrunk to its size, a Buffer object, Readable.push and an event emit; the bytes are then
 * copied out by the chunk decoder anyway. With the shared buffer a read is one callback, no allocation.
 *
 * The callback must consume the bytes before it returns (the next read of any socket overwrites them): the
 * chunk decoder and the handshake copy what they keep. Sockets this cannot apply to (TLS, a Node whose
 * internals differ) fall back to 'data'; `sharedReadsAvailable()` says which one this process gets.
 */
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/** One read's room (libuv asks for 64 KiB per read; a larger read arrives as several). */
export const SHARED_READ_BYTES = 64 * 1024;
const SHARED = Buffer.allocUnsafeSlow(SHARED_READ_BYTES);

type Handle = { useUserBuffer?: (b: Uint8Array) => void; constructor?: { name?: string } };

/** Node's private symbols for `onread` (kBuffer, kBufferCb, kBufferGen), found on a socket by their names. */
function onreadSymbols(s: Socket): { buffer: symbol; cb: symbol; gen: symbol } | null {
  const by = new Map(Object.getOwnPropertySymbols(s).map((x) => [x.description, x]));
  const buffer = by.get('kBuffer');
  const cb = by.get('kBufferCb');
  const gen = by.get('kBufferGen');
  return buffer && cb && gen ? { buffer, cb, gen } : null;
}

/**
 * Delivers the socket's bytes to `onBytes(view)` from the shared buffer; false (nothing changed) if this socket
 * cannot have it, and the caller listens to 'data' instead. `view` is valid only during the call.
 */
export function readIntoShared(socket: Socket, onBytes: (view: Buffer) => void): boolean {
  if (socket instanceof TLSSocket) return false;
  const handle = (socket as unknown as { _handle?: Handle | null })._handle;
  if (!handle || typeof handle.useUserBuffer !== 'function' || handle.constructor?.name !== 'TCP') return false;
  const sym = onreadSymbols(socket);
  if (!sym) return false;
  const s = socket as unknown as Record<symbol, unknown>;
  if (s[sym.buffer] || s[sym.gen] !== null) return false; // already has its own onread
  s[sym.buffer] = SHARED;
  s[sym.cb] = (n: number, buf: Buffer) => { onBytes(buf.subarray(0, n)); };
  handle.useUserBuffer(SHARED);
  return true;
}

/** Whether accepted plain TCP sockets get shared-buffer reads in this Node (tests pin it, so an upgrade that drops it shows). */
export function sharedReadsAvailable(): boolean {
  const s = new Socket();
  return onreadSymbols(s) !== null && s.readable !== undefined;
}
