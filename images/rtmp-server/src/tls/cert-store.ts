/**
 * The certificate the TLS listeners present, read from PEM files and re-read when they change on disk.
 *
 * cert-manager renews a certificate by updating its Secret; the kubelet then swaps the `..data` symlink in the
 * mounted directory, so the files' own inodes never change: we reuse the config watch (config/watch.ts), which
 * watches the directory and polls the content as a back-up. A renewed pair is checked (key matches certificate)
 * before it replaces the running one, so a half-written rotation never breaks new connections; existing
 * connections keep the context they started with.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { TlsConfig } from '../../../../lib/server-config';
import { watchConfigFile } from '../config/watch';
import type { Logger } from '../log';

/** Counters and facts for /metrics. */
export interface TlsStats {
  /** Certificate pairs loaded after the first one. */
  reloads: number;
  /** Changed files that could not be used (unreadable, not PEM, key not matching); the previous pair stayed. */
  reloadFailures: number;
  /** Expiry of the certificate in use, seconds since 1970. */
  notAfterSeconds: number;
}

export interface CertStore {
  /** The pair in force, as tls.createServer / setSecureContext take it. */
  current(): tls.SecureContextOptions;
  /** Called with the new pair after each successful reload. */
  onChange(listener: (pair: tls.SecureContextOptions) => void): void;
  readonly stats: TlsStats;
  close(): void;
}

/** Reads and checks a pair; throws with a message naming the file when it is unusable. */
export function readPair(cfg: TlsConfig): { pair: tls.SecureContextOptions; notAfterSeconds: number } {
  const read = (field: 'certFile' | 'keyFile'): Buffer => {
    try {
      return fs.readFileSync(cfg[field]);
    } catch (e) {
      throw new Error(`tls.${field} ${cfg[field]}: ${(e as Error).message}`);
    }
  };
  const pair = { cert: read('certFile'), key: read('keyFile') };
  try {
    tls.createSecureContext(pair); // throws on bad PEM or a key that does not match the certificate
  } catch (e) {
    throw new Error(`tls.certFile ${cfg.certFile} / tls.keyFile ${cfg.keyFile}: ${(e as Error).message}`);
  }
  const notAfterSeconds = Math.floor(Date.parse(new X509Certificate(pair.cert).validTo) / 1000);
  return { pair, notAfterSeconds };
}

/** Loads the pair (throws if unusable: the server must not start without it) and watches both files. */
export function openCertStore(cfg: TlsConfig, log: Logger): CertStore {
  const first = readPair(cfg);
  let pair = first.pair;
  const stats: TlsStats = { reloads: 0, reloadFailures: 0, notAfterSeconds: first.notAfterSeconds };
  const listeners: ((p: tls.SecureContextOptions) => void)[] = [];

  const reload = (): void => {
    let next: ReturnType<typeof readPair>;
    try {
      next = readPair(cfg);
    } catch (e) {
      stats.reloadFailures++;
      log.warn({ event: 'tls-reload-failed', err: (e as Error).message }, 'changed certificate not usable; keeping the running one');
      return;
    }
    if (next.pair.cert!.toString() === pair.cert!.toString() && next.pair.key!.toString() === pair.key!.toString()) return;
    pair = next.pair;
    stats.reloads++;
    stats.notAfterSeconds = next.notAfterSeconds;
    log.info({ event: 'tls-reloaded', notAfter: new Date(next.notAfterSeconds * 1000).toISOString() }, 'certificate reloaded');
    for (const l of listeners) l(pair);
  };

  // One watch per directory (a Secret mount holds both files in one).
  const watches = [cfg.certFile, cfg.keyFile]
    .filter((f, i, all) => all.findIndex((g) => path.dirname(g) === path.dirname(f)) === i)
    .map((f) => watchConfigFile(f, reload, log));
  // The poll above compares only the watched file; the key can change alone, so compare it too.
  const keyPoll = setInterval(() => {
    try {
      if (fs.readFileSync(cfg.keyFile).toString() !== pair.key!.toString()) reload();
    } catch { /* reported by reload when the pair is next read */ }
  }, 10_000);
  keyPoll.unref();

  return {
    current: () => pair,
    onChange: (l) => { listeners.push(l); },
    stats,
    close() {
      for (const w of watches) w.close();
      clearInterval(keyPoll);
    },
  };
}
