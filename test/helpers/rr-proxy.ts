import * as net from 'node:net';

/**
 * A per-connection round-robin TCP proxy on 127.0.0.1, as a Kubernetes Service without session affinity behaves:
 * each new connection goes to the next backend, so a player that opens several connections lands on several pods.
 */
export interface RoundRobinProxy {
  readonly port: number;
  /** How many connections went to each backend port, in backend order. */
  readonly counts: number[];
  close(): Promise<void>;
}

export async function startRoundRobinProxy(backendPorts: number[], host = '127.0.0.1'): Promise<RoundRobinProxy> {
  if (backendPorts.length === 0) throw new Error('startRoundRobinProxy: at least one backend port');
  const counts = backendPorts.map(() => 0);
  const proxy = await startEndpointsProxy(backendPorts, host, (backend) => { counts[backendPorts.indexOf(backend)]++; });
  return { port: proxy.port, counts, close: proxy.close };
}

/**
 * The same proxy with endpoints that change while it runs, as a Service's do during a rolling update: a pod that
 * turns unready leaves the rotation (its open connections stay up), a new ready pod joins it.
 */
export interface EndpointsProxy {
  readonly port: number;
  /** Backend port of every connection accepted so far, in order. */
  readonly log: number[];
  /** Replaces the rotation; existing connections are untouched. */
  setBackends(ports: number[]): void;
  close(): Promise<void>;
}

export async function startEndpointsProxy(
  initial: number[],
  host = '127.0.0.1',
  onConnect: (backend: number) => void = () => undefined,
): Promise<EndpointsProxy> {
  let backends = [...initial];
  const log: number[] = [];
  const sockets = new Set<net.Socket>();
  let next = 0;
  const server = net.createServer((client) => {
    if (backends.length === 0) { client.destroy(); return; } // no endpoints: refused, as kube-proxy does
    const backend = backends[next++ % backends.length];
    log.push(backend);
    onConnect(backend);
    const upstream = net.connect(backend, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    log,
    setBackends: (ports) => { backends = [...ports]; },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
