/** The edge's origins (`host:port`), handed out round-robin (SRS `SrsLbRoundRobin`); replaceable on reload. */
export interface Origin { readonly host: string; readonly port: number }

export function parseOrigin(s: string): Origin {
  const i = s.lastIndexOf(':');
  const host = s.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(s.slice(i + 1)) };
}

export class OriginRing {
  private origins: Origin[] = [];
  private next = 0;

  constructor(list: string[]) { this.set(list); }

  set(list: string[]): void {
    this.origins = list.map(parseOrigin);
    this.next = 0;
  }

  get size(): number { return this.origins.length; }

  /** The next origin in turn. */
  pick(): Origin {
    if (this.origins.length === 0) throw new Error('no origins configured');
    const o = this.origins[this.next % this.origins.length];
    this.next = (this.next + 1) % this.origins.length;
    return o;
  }
}
