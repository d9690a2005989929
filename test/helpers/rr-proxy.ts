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
  const sockets = new Set<net.Socket>();
  let next = 0;
  const server = net.createServer((client) => {
    const i = next++ % backendPorts.length;
    counts[i]++;
    const upstream = net.connect(backendPorts[i], host);
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
    counts,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
