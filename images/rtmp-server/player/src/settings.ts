// What the viewer asked for, read from (and written back to) the query string, SRS-player style:
//   ?app=live&stream=livestream&protocol=hls|flv&server=HOST&port=8080&api=1985&rtmp=1935

export type Protocol = 'hls' | 'flv';

export interface PlayerSettings {
  /** RTMP application, e.g. `live`. */
  readonly app: string;
  /** Stream name inside the app, e.g. `livestream`. */
  readonly stream: string;
  readonly protocol: Protocol;
  /** `?server=`: media host. Default: the page's host. */
  readonly server?: string;
  /** `?port=`: HTTP media port (FLV and HLS). Default: see endpoints.ts. */
  readonly port?: string;
  /** `?api=`: API port, `host:port` or base URL. Default: port 1985 of the media host. */
  readonly api?: string;
  /** `?rtmp=`: RTMP port shown in the publish URL. Default: 1935. */
  readonly rtmp?: string;
}

export const DEFAULT_SETTINGS: PlayerSettings = { app: 'live', stream: 'livestream', protocol: 'hls' };

const OPTIONAL_KEYS = ['server', 'port', 'api', 'rtmp'] as const;

export function readSettings(search: string): PlayerSettings {
  const q = new URLSearchParams(search);
  const text = (k: string) => q.get(k)?.trim() || undefined;
  const protocol = text('protocol')?.toLowerCase();
  const settings: Record<string, string | undefined> = {
    app: text('app') ?? DEFAULT_SETTINGS.app,
    stream: text('stream') ?? DEFAULT_SETTINGS.stream,
    protocol: protocol === 'flv' || protocol === 'http-flv' ? 'flv' : DEFAULT_SETTINGS.protocol,
  };
  for (const k of OPTIONAL_KEYS) settings[k] = text(k);
  return settings as unknown as PlayerSettings;
}

/** The query string that reproduces `s` (so the address bar is always a shareable link). */
export function writeSettings(s: PlayerSettings): string {
  const q = new URLSearchParams({ app: s.app, stream: s.stream, protocol: s.protocol });
  for (const k of OPTIONAL_KEYS) if (s[k]) q.set(k, s[k]!);
  return `?${q}`;
}
