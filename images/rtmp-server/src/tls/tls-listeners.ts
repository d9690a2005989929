/**
 * The TLS listeners: RTMPS (`rtmps.port`) hands each decrypted socket to the RTMP listener's accept path, and
 * HTTPS (`https.port`) runs the media HTTP routes, so both serve exactly the streams of the plain ports.
 * New connections get the certificate in force (CertStore swaps it with setSecureContext).
 */
import { TIMEOUT_OPTIONS } from '../http/timeouts';
import * as https from 'node:https';
import * as tls from 'node:tls';
import type { ServerConfig } from '../../../../lib/server-config';
import type { MediaHttpServer } from '../http/media-server';
import type { Logger } from '../log';
import { listenOn } from '../session/listen';
import type { RtmpListener } from '../session/rtmp-listener';
import { CertStore, openCertStore, TlsStats } from './cert-store';

export interface TlsListeners {
  readonly stats: TlsStats;
  listen(): Promise<void>;
  /** Stops accepting; running sessions continue (they are closed through the RTMP and HTTP listeners). */
  stop(): Promise<void>;
  close(): void;
}

/** Null when neither RTMPS nor HTTPS is enabled. Throws when the certificate cannot be read. */
export function startTlsListeners(
  config: ServerConfig, rtmp: RtmpListener, media: MediaHttpServer, log: Logger,
): TlsListeners | null {
  if (!config.rtmps.enabled && !config.https.enabled) return null;
  const certs: CertStore = openCertStore(config.tls, log);
  const servers: { name: string; server: tls.Server; port: number }[] = [];
  // A failed handshake (a plain-RTMP client on the TLS port, a scanner) ends only that connection.
  const onClientError = (name: string) => (e: Error) => log.debug({ event: 'tls-client-error', listener: name, err: e.message }, 'TLS handshake failed');

  if (config.rtmps.enabled) {
    const server = tls.createServer({ ...certs.current(), noDelay: true } as tls.TlsOptions, (socket) => rtmp.accept(socket));
    server.on('tlsClientError', onClientError('rtmps'));
    server.on('error', (e) => log.error({ event: 'rtmps-listener-error', err: e.message }, 'RTMPS listener error'));
    servers.push({ name: 'rtmps', server, port: config.rtmps.port });
  }
  if (config.https.enabled) {
    const server = https.createServer({ ...TIMEOUT_OPTIONS, ...certs.current() });
    media.serveOn(server);
    server.on('tlsClientError', onClientError('https'));
    server.on('clientError', (_e, socket) => socket.destroy());
    server.on('error', (e) => log.error({ event: 'https-listener-error', err: e.message }, 'HTTPS listener error'));
    servers.push({ name: 'https', server, port: config.https.port });
  }
  certs.onChange((pair) => {
    for (const s of servers) s.server.setSecureContext(pair);
  });

  return {
    stats: certs.stats,
    async listen() {
      for (const s of servers) await listenOn(s.server, s.port);
      log.info({ event: 'listening-tls', ...Object.fromEntries(servers.map((s) => [s.name, s.port])) },
        `listening: ${servers.map((s) => `${s.name} ${s.port}`).join(', ')}`);
    },
    async stop() {
      for (const s of servers) if (s.server.listening) s.server.close();
      for (const s of servers) if (s.server instanceof https.Server) s.server.closeIdleConnections();
    },
    close() {
      certs.close();
    },
  };
}
