/**
 * Name resolution for peer lists (`relay.targets`, `cluster.peers`, `edge.origins`): one `host:port` entry
 * becomes every `ip:port` the host currently resolves to. A Kubernetes headless Service name resolves to one
 * address per ready pod, so re-resolving follows a StatefulSet as it scales.
 *
 * Production resolves through the system resolver (`dns.promises.lookup(host, {all: true})`, which is what
 * cluster DNS answers). Test seam: when RTMP_SERVER_RESOLVE_FILE names a JSON file `{ "name": ["host:port", ...] }`,
 * a `host:port` entry whose host (or whole entry) is a key of that file resolves to the listed addresses instead,
 * re-read on every resolve. It exists so loopback tests can add and remove "pods" behind one name without DNS;
 * names not in the file still go to DNS.
 */
import { promises as dns } from 'node:dns';
import { promises as fsp } from 'node:fs';
import { isIP } from 'node:net';

/** Resolves one `host:port` entry to the `host:port` addresses behind it (possibly none). */
export type Resolver = (entry: string) => Promise<string[]>;

/** The environment variable naming the test-seam file. */
export const RESOLVE_FILE_ENV = 'RTMP_SERVER_RESOLVE_FILE';

/** `host:port` → parts; IPv6 literals may be bracketed (`[::1]:1935`). Null when there is no port. */
export function splitHostPort(entry: string): { host: string; port: number } | null {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(entry.trim());
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1] ?? m[2], port };
}

/** `ip:port` with IPv6 bracketed. */
export function joinHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The production resolver: an IP literal is itself, a name is every address DNS gives for it. */
export const dnsResolver: Resolver = async (entry) => {
  const hp = splitHostPort(entry);
  if (!hp) throw new Error(`not host:port: ${entry}`);
  if (isIP(hp.host)) return [joinHostPort(hp.host, hp.port)];
  const answers = await dns.lookup(hp.host, { all: true });
  return answers.map((a) => joinHostPort(a.address, hp.port));
};

/** The test-seam resolver: names in `file` map to its lists (re-read each time); other names fall to `next`. */
export function fileResolver(file: string, next: Resolver = dnsResolver): Resolver {
  return async (entry) => {
    let map: Record<string, unknown> = {};
    try {
      map = JSON.parse(await fsp.readFile(file, 'utf8')) as Record<string, unknown>;
    } catch {
      // a missing or half-written file means "no overrides right now"
    }
    const hp = splitHostPort(entry);
    const listed = map[entry] ?? (hp ? map[hp.host] : undefined);
    if (Array.isArray(listed)) return listed.filter((x): x is string => typeof x === 'string' && splitHostPort(x) !== null);
    return next(entry);
  };
}

/** The resolver a server process uses: DNS, unless the test seam is switched on by the environment. */
export function defaultResolver(env: NodeJS.ProcessEnv = process.env): Resolver {
  const file = env[RESOLVE_FILE_ENV];
  return file ? fileResolver(file) : dnsResolver;
}
