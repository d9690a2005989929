/**
 * The companion server's configuration model: one typed source of truth.
 *
 * The constructs render a `ServerConfig` into the ConfigMap (`renderServerConfig`), and the server
 * (images/rtmp-server) imports this same file to fill defaults and validate what it reads
 * (`SERVER_CONFIG_SCHEMA` is a plain JSON Schema, so the server checks it with ajv while this library
 * stays free of runtime dependencies). Keep the interface, `DEFAULT_SERVER_CONFIG` and the schema in step:
 * test/constructs/server-config.test.ts fails when they drift.
 */

/** What a server process does. */
export type ServerMode = 'origin' | 'edge' | 'relay';

/** The RTMP listener. */
export interface RtmpConfig {
  /** TCP port for RTMP publish and play. @default 1935 */
  readonly port: number;
  /** Outgoing RTMP chunk size (bytes). Larger chunks mean fewer headers and fewer writes. @default 60000 */
  readonly chunkSize: number;
  /** Largest RTMP message accepted from a peer (bytes); bigger ones close that connection. @default 8388608 */
  readonly maxMessageSize: number;
  /**
   * Merged reads (SRS `publish.mr` / `mr_latency`): a publisher's socket is read at most once per this many
   * milliseconds, so each read takes what arrived meanwhile instead of waking the server for every message (an
   * encoder sends ~70 a second). Adds up to this much latency between encoder and players (SRS's `mr_latency`
   * default is 350 ms; `play.mergeWriteMs` adds 350 ms on the way out). Merged at 50 ms an ingest stream costs
   * about half what it does unmerged, at 100 ms another ~20 % less: every tick stops and restarts each publisher's
   * socket (two epoll_ctl calls) and reads it (bench/README.md, ingest). A read that fills the 64 KiB read buffer
   * is followed at once by the next, so a fast publisher is never held to a buffer per tick. Plain RTMP only: RTMPS
   * publishers are read as bytes arrive. 0 reads at once (lowest latency).
   * @default 100
   */
  readonly mergeReadMs: number;
}

/** The HTTP listener for HTTP-FLV, HLS and the player page. */
export interface HttpConfig {
  /** TCP port for `/{app}/{stream}.flv`, `/{app}/{stream}.m3u8` and the player page. @default 8080 */
  readonly port: number;
  /** Value of `Access-Control-Allow-Origin` on media responses; empty string sends none. @default '*' */
  readonly cors: string;
  /** Serve the player page at `/`. @default true */
  readonly playerPage: boolean;
  /**
   * Seconds a client has to send a request's headers, on a new connection and on a kept-alive one; then 408 and
   * close. Applies to the HTTP media and API listeners. A player sends its few headers at once. @default 10
   */
  readonly headersTimeoutSeconds: number;
  /**
   * Seconds a client has to send a whole request (headers and body). Only the request: an HTTP-FLV or segment
   * response may last as long as it needs. At least `headersTimeoutSeconds`. @default 30
   */
  readonly requestTimeoutSeconds: number;
  /** Seconds an idle kept-alive connection waits for its next request before it is closed. @default 5 */
  readonly keepAliveTimeoutSeconds: number;
}

/** The HTTP API listener (SRS-compatible `/api/v1/...`, `/healthz`, `/readyz`, `/metrics`). */
export interface ApiConfig {
  /** TCP port of the API. @default 1985 */
  readonly port: number;
  /**
   * Allow `DELETE /api/v1/clients/{id}` (kicking a client) without a token. Off by default: any program that
   * reaches the API could end streams. Setting `token` enables kicking with that token instead. @default false
   */
  readonly allowKick: boolean;
  /**
   * Bearer token for kicking: when set, `DELETE /api/v1/clients/{id}` is allowed (even with `allowKick` false)
   * and must carry `Authorization: Bearer <token>`. Give it through the environment
   * (`RTMP_SERVER_API_TOKEN`, from a Secret) rather than the ConfigMap. @default '' (no token)
   */
  readonly token: string;
  /**
   * Web origins (`scheme://host[:port]`) whose pages may kick through the API (CORS for DELETE). Any other web
   * page may only read (GET), as the player page does for its live list. @default [] (reads only)
   */
  readonly corsOrigins: string[];
}

/** HLS output, written by the origin. */
export interface HlsConfig {
  /** Write HLS for every published stream. @default true */
  readonly enabled: boolean;
  /** Directory the playlists and segments are written under (`{dir}/{app}/{stream}.m3u8`). @default '/var/lib/rtmp-server/hls' */
  readonly dir: string;
  /**
   * Segment length in seconds: segments are cut at the first keyframe at/after each multiple of it in the stream's
   * timestamps (the same cuts and names on every server), and ceil of it is the playlist's fixed TARGETDURATION.
   * A reload applies to playlists started afterwards. @default 2
   */
  readonly fragmentSeconds: number;
  /** Length of the live playlist window in seconds; older segments are deleted. @default 10 */
  readonly windowSeconds: number;
  /** Seconds after a stream ends before its playlist and segments are removed. @default 30 */
  readonly cleanupDelaySeconds: number;
  /**
   * Other processes read `dir` (a sidecar serving it, as nginx does in OriginWithNginx, which sets this): each
   * playlist version is written to a temporary file and renamed over the last, so no reader sees one half written,
   * and expired segments are deleted. Otherwise this server, the only reader, serves playlists from memory and
   * rewrites the file in place, and the next segment takes over an expired segment's file (not while on_hls hooks
   * are set: they hand out segment names), which costs the file system about a third as much per segment.
   * @default false
   */
  readonly sharedDir: boolean;
}

/** Per-player delivery (the fan-out path). */
export interface PlayConfig {
  /** Start new players on the last keyframe (GOP cache). @default true */
  readonly gopCache: boolean;
  /**
   * Write-merging window in milliseconds (SRS `mw_latency`): a player's socket gets one write per window
   * instead of one per media message. Adds up to this much latency; 0 writes at once. @default 350
   */
  readonly mergeWriteMs: number;
  /** A player whose queue exceeds this many bytes drops frames to the next keyframe. @default 4194304 */
  readonly maxQueueBytes: number;
  /** A player that has been dropping for this many seconds is closed. @default 10 */
  readonly slowPlayerCloseSeconds: number;
  /**
   * Players of a stream without a publisher are closed after this many seconds: a clean end instead of a hang,
   * long enough for an encoder to reconnect or an edge to fail over. On an edge the time runs from when the
   * origin's publisher went (or the link was lost), across the edge's reconnects. @default 30
   */
  readonly noPublisherCloseSeconds: number;
}

/** Edge mode: pull on demand from an origin, forward publishes to it. */
export interface EdgeConfig {
  /** Origins as `host:port` (RTMP), tried round-robin with failover. @default [] */
  readonly origins: string[];
  /** Seconds an upstream pull stays open after its last player leaves. @default 5 */
  readonly idleSeconds: number;
  /** Seconds to wait before reconnecting to the next origin after a failure. @default 3 */
  readonly retrySeconds: number;
  /**
   * Origins' HTTP listeners as `host:port`, where the edge fetches HLS playlists and segments (tried in turn,
   * with failover). Empty means the `origins` hosts on this server's `http.port` (8080 unless changed).
   * @default []
   */
  readonly originsHttp: string[];
  /** Bytes of HLS playlists and segments the edge keeps in memory; the least recently used go first. @default 134217728 */
  readonly hlsCacheBytes: number;
}

/** Relay mode: push every published stream to every server behind a (headless Service) DNS name. */
export interface RelayConfig {
  /** Push targets as `host:port`; a host that resolves to several addresses means one push per address. @default [] */
  readonly targets: string[];
  /** How often targets are re-resolved, in seconds. @default 5 */
  readonly resolveSeconds: number;
}

/** Origin cluster: origins that know their peers and tell edges which origin holds a stream. */
export interface ClusterConfig {
  /** Peer origins' APIs as `host:port`; a host that resolves to several addresses means several peers. @default [] */
  readonly peers: string[];
  /** How often peers are re-resolved, in seconds. @default 5 */
  readonly resolveSeconds: number;
}

/** Publish/play authentication; off by default like SRS. */
export interface AuthConfig {
  /**
   * Shared secret for publishing. When set, a publish must carry `?secret=...` or a signed
   * `?expires=UNIX&sign=HMAC_SHA256(secret, "/app/stream:expires")` (hex). Empty disables the check. @default ''
   */
  readonly publishSecret: string;
  /** Key a player must pass as `?key=...` to play. Empty disables the check. @default '' */
  readonly playKey: string;
}

/** Process lifecycle; matches the constructs' preStop hook and termination grace period. */
export interface LifecycleConfig {
  /** After SIGTERM, seconds during which readiness is false but new connections are still accepted. @default 2 */
  readonly readinessGraceSeconds: number;
  /** Seconds running players are given to finish before the process exits. @default 30 */
  readonly drainSeconds: number;
}

/**
 * HTTP callbacks to the platform's backend, SRS `http_hooks` compatible: each event POSTs SRS's JSON body to
 * every URL listed. onConnect, onPublish and onPlay are gates (HTTP 200 with body `0` or `{"code":0}` allows;
 * anything else denies); the others are notifications that never delay media. docs/server-hooks.md.
 */
export interface HooksConfig {
  /** Gate: an RTMP client sent `connect` (SRS on_connect). @default [] */
  readonly onConnect: string[];
  /** Gate: a publish starts; the answer may name forward destinations (`data.urls`). @default [] */
  readonly onPublish: string[];
  /** Notification: a publish ended (SRS on_unpublish). @default [] */
  readonly onUnpublish: string[];
  /** Gate: a player starts (RTMP, HTTP-FLV). @default [] */
  readonly onPlay: string[];
  /** Notification: a player left (SRS on_stop). @default [] */
  readonly onStop: string[];
  /** Notification: an HLS segment was written (SRS on_hls: file, url, duration, seq_no). @default [] */
  readonly onHls: string[];
  /** Notification: a recording file was closed (SRS on_dvr: cwd, file). @default [] */
  readonly onDvr: string[];
  /**
   * Milliseconds a gate waits for each URL's answer (and a notification attempt for its reply); at most 8000, as an
   * RTMP client must be through connect and publish/play within 10 s. @default 3000
   */
  readonly timeoutMs: number;
  /** What a gate's timeout or connection error means: true allows, false denies (an answer always counts). @default false */
  readonly failOpen: boolean;
  /** Extra attempts of a notification that failed. @default 2 */
  readonly retries: number;
  /** Milliseconds before the first retry of a notification; doubles each time. @default 500 */
  readonly backoffMs: number;
}

/** Forwarding (restreaming): push every published stream to other servers or platforms. */
export interface ForwardConfig {
  /**
   * Destination URL templates, `rtmp://` or `rtmps://`, with `[app]`, `[stream]` and `[param]` (the publisher's
   * query string) placeholders, e.g. `rtmp://backup:1935/[app]/[stream]` or `rtmps://live.example.com/app/KEY`.
   * @default []
   */
  readonly destinations: string[];
}

/** Logging. */
export interface LogConfig {
  /** Minimum level written (JSON lines on stdout). @default 'info' */
  readonly level: 'debug' | 'info' | 'warn' | 'error';
}

/** /metrics on the API port (the operations pack's dashboard and alerts read these). */
export interface MetricsConfig {
  /**
   * Most streams that get their own `app`/`stream` series (players, bytes); the rest are counted in
   * `rtmp_server_stream_series_omitted`. Bounds what one pod adds to Prometheus. 0 turns per-stream series off.
   * @default 50
   */
  readonly streamSeries: number;
}

/** The certificate the TLS listeners (RTMPS, HTTPS) present; PEM files, re-read when they change on disk. */
export interface TlsConfig {
  /** Certificate chain (PEM), e.g. a `kubernetes.io/tls` Secret's `tls.crt`. Required when a TLS listener is enabled. @default '' */
  readonly certFile: string;
  /** Private key (PEM) of the certificate, e.g. the Secret's `tls.key`. Required when a TLS listener is enabled. @default '' */
  readonly keyFile: string;
}

/** The RTMPS listener: RTMP over TLS, the same streams as the plain RTMP port. */
export interface RtmpsConfig {
  /** Listen for RTMPS (needs `tls.certFile` and `tls.keyFile`). @default false */
  readonly enabled: boolean;
  /** TCP port for RTMPS publish and play. @default 1443 */
  readonly port: number;
}

/** The HTTPS listener: HTTP-FLV, HLS and the player page over TLS, the same as the plain HTTP port. */
export interface HttpsConfig {
  /** Listen for HTTPS (needs `tls.certFile` and `tls.keyFile`). @default false */
  readonly enabled: boolean;
  /** TCP port for HTTPS. @default 8088 */
  readonly port: number;
}

/** Recording (DVR) of published streams to files (origins and relays; edges record nothing). */
export interface DvrConfig {
  /** Record every published stream. @default false */
  readonly enabled: boolean;
  /** Directory recordings are written under; nothing is ever written outside it. @default '/var/lib/rtmp-server/dvr' */
  readonly dir: string;
  /** File format: FLV as received, or MP4 (the closed FLV remuxed with `ffmpeg -c copy`). @default 'flv' */
  readonly format: 'flv' | 'mp4';
  /** Start a new file at the first keyframe after this many seconds; 0 = one file per publish. @default 0 */
  readonly segmentSeconds: number;
  /**
   * File path under `dir`. Placeholders: `[app]`, `[stream]`, `[timestamp]` (ms since 1970, the file's start),
   * and SRS's date parts `[2006]`, `[01]`, `[02]`, `[15]`, `[04]`, `[05]`, `[999]` (UTC). The extension is the
   * format's (`.flv` or `.mp4`). @default '[app]/[stream]/[timestamp].flv'
   */
  readonly pathTemplate: string;
  /** Delete recordings older than this many hours; 0 keeps them for ever. @default 0 */
  readonly keepHours: number;
}

/** The whole server configuration: the content of the ConfigMap's `rtmp-server.yaml`. */
export interface ServerConfig {
  /** Role of this process. @default 'origin' */
  readonly mode: ServerMode;
  /** RTMP listener. */
  readonly rtmp: RtmpConfig;
  /** HTTP-FLV / HLS / player listener. */
  readonly http: HttpConfig;
  /** HTTP API listener. */
  readonly api: ApiConfig;
  /** HLS output (origin only). */
  readonly hls: HlsConfig;
  /** Fan-out to players. */
  readonly play: PlayConfig;
  /** Edge settings (mode 'edge'). */
  readonly edge: EdgeConfig;
  /** Relay settings (mode 'relay'). */
  readonly relay: RelayConfig;
  /** Origin-cluster settings (mode 'origin' with peers). */
  readonly cluster: ClusterConfig;
  /** Authentication. */
  readonly auth: AuthConfig;
  /** Signals, readiness and drain. */
  readonly lifecycle: LifecycleConfig;
  /** HTTP callbacks (SRS http_hooks). */
  readonly hooks: HooksConfig;
  /** Forwarding / restreaming. */
  readonly forward: ForwardConfig;
  /** Logging. */
  readonly log: LogConfig;
  /** Prometheus metrics. */
  readonly metrics: MetricsConfig;
  /** Certificate of the TLS listeners. */
  readonly tls: TlsConfig;
  /** RTMPS listener. */
  readonly rtmps: RtmpsConfig;
  /** HTTPS listener. */
  readonly https: HttpsConfig;
  /** Recording (DVR). */
  readonly dvr: DvrConfig;
}

/** Any part of a config, as a user or a file gives it; missing fields take the defaults. */
export type ServerConfigInput = { readonly mode?: ServerMode } & {
  readonly [K in Exclude<keyof ServerConfig, 'mode'>]?: Partial<ServerConfig[K]>;
};

/** Where the image reads its config; the constructs mount the ConfigMap here. */
export const SERVER_CONFIG_PATH = '/etc/rtmp-server/rtmp-server.yaml';

/** The default configuration: the SRS ports and SRS-like behaviour. */
export const DEFAULT_SERVER_CONFIG: ServerConfig = {
  mode: 'origin',
  rtmp: { port: 1935, chunkSize: 60000, maxMessageSize: 8 * 1024 * 1024, mergeReadMs: 100 },
  http: { port: 8080, cors: '*', playerPage: true, headersTimeoutSeconds: 10, requestTimeoutSeconds: 30, keepAliveTimeoutSeconds: 5 },
  api: { port: 1985, allowKick: false, token: '', corsOrigins: [] },
  hls: {
    enabled: true,
    dir: '/var/lib/rtmp-server/hls',
    fragmentSeconds: 2,
    windowSeconds: 10,
    cleanupDelaySeconds: 30,
    sharedDir: false,
  },
  play: { gopCache: true, mergeWriteMs: 350, maxQueueBytes: 4 * 1024 * 1024, slowPlayerCloseSeconds: 10, noPublisherCloseSeconds: 30 },
  edge: { origins: [], idleSeconds: 5, retrySeconds: 3, originsHttp: [], hlsCacheBytes: 128 * 1024 * 1024 },
  relay: { targets: [], resolveSeconds: 5 },
  cluster: { peers: [], resolveSeconds: 5 },
  auth: { publishSecret: '', playKey: '' },
  lifecycle: { readinessGraceSeconds: 2, drainSeconds: 30 },
  hooks: {
    onConnect: [], onPublish: [], onUnpublish: [], onPlay: [], onStop: [], onHls: [], onDvr: [],
    timeoutMs: 3000, failOpen: false, retries: 2, backoffMs: 500,
  },
  forward: { destinations: [] },
  log: { level: 'info' },
  metrics: { streamSeries: 50 },
  tls: { certFile: '', keyFile: '' },
  rtmps: { enabled: false, port: 1443 },
  https: { enabled: false, port: 8088 },
  dvr: {
    enabled: false,
    dir: '/var/lib/rtmp-server/dvr',
    format: 'flv',
    segmentSeconds: 0,
    pathTemplate: '[app]/[stream]/[timestamp].flv',
    keepHours: 0,
  },
};

const port = { type: 'integer', minimum: 1, maximum: 65535 } as const;
const seconds = { type: 'number', minimum: 0 } as const;
/** `host:port` as peer lists and construct props take it (IPv6 literals bracketed); constructs check props with it too. */
export const HOST_PORT_PATTERN = '^[A-Za-z0-9.\\-\\[\\]:]+:[0-9]{1,5}$';
/** A web origin as browsers send it in `Origin`: scheme, host, optional port; no path or trailing slash. */
export const WEB_ORIGIN_PATTERN = '^https?://[A-Za-z0-9.\\-\\[\\]:]+$';
const hostPorts = {
  type: 'array',
  items: { type: 'string', pattern: HOST_PORT_PATTERN },
} as const;

/** The hook events, in the order SRS documents them. */
export const HOOK_EVENTS = ['onConnect', 'onPublish', 'onUnpublish', 'onPlay', 'onStop', 'onHls', 'onDvr'] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];
/** URL lists (hooks, forward): shape here, URL syntax in checkIntegrationUrls (clear messages per entry). */
const urlList = { type: 'array', maxItems: 16, items: { type: 'string', minLength: 1, maxLength: 2048 } } as const;

function section(properties: Record<string, object>) {
  return { type: 'object', additionalProperties: false, properties } as const;
}

/**
 * JSON Schema (draft-07) of a config file. Every field is optional in the file (defaults fill the rest);
 * unknown fields are errors, so a typo names itself instead of being silently ignored.
 */
export const SERVER_CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'rtmp-server configuration',
  ...section({
    mode: { enum: ['origin', 'edge', 'relay'] },
    rtmp: section({
      port,
      chunkSize: { type: 'integer', minimum: 128, maximum: 16777215 },
      maxMessageSize: { type: 'integer', minimum: 65536, maximum: 16777215 },
      mergeReadMs: { type: 'integer', minimum: 0, maximum: 1000 },
    }),
    http: section({
      port, cors: { type: 'string' }, playerPage: { type: 'boolean' },
      headersTimeoutSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 3600 },
      requestTimeoutSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 3600 },
      keepAliveTimeoutSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 3600 },
    }),
    api: section({
      port, allowKick: { type: 'boolean' }, token: { type: 'string' },
      corsOrigins: { type: 'array', items: { type: 'string', pattern: WEB_ORIGIN_PATTERN } },
    }),
    hls: section({
      enabled: { type: 'boolean' },
      dir: { type: 'string', minLength: 1 },
      fragmentSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 60 },
      windowSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 3600 },
      cleanupDelaySeconds: seconds,
      sharedDir: { type: 'boolean' },
    }),
    play: section({
      gopCache: { type: 'boolean' },
      mergeWriteMs: { type: 'integer', minimum: 0, maximum: 2000 },
      maxQueueBytes: { type: 'integer', minimum: 65536 },
      slowPlayerCloseSeconds: seconds,
      noPublisherCloseSeconds: seconds,
    }),
    edge: section({
      origins: hostPorts, idleSeconds: seconds, retrySeconds: seconds,
      originsHttp: hostPorts, hlsCacheBytes: { type: 'integer', minimum: 1048576 },
    }),
    relay: section({ targets: hostPorts, resolveSeconds: { type: 'number', exclusiveMinimum: 0 } }),
    cluster: section({ peers: hostPorts, resolveSeconds: { type: 'number', exclusiveMinimum: 0 } }),
    auth: section({ publishSecret: { type: 'string' }, playKey: { type: 'string' } }),
    lifecycle: section({ readinessGraceSeconds: seconds, drainSeconds: seconds }),
    hooks: section({
      onConnect: urlList, onPublish: urlList, onUnpublish: urlList, onPlay: urlList,
      onStop: urlList, onHls: urlList, onDvr: urlList,
      timeoutMs: { type: 'integer', minimum: 1, maximum: 8000 },
      failOpen: { type: 'boolean' },
      retries: { type: 'integer', minimum: 0, maximum: 10 },
      backoffMs: { type: 'integer', minimum: 0, maximum: 60000 },
    }),
    forward: section({ destinations: urlList }),
    log: section({ level: { enum: ['debug', 'info', 'warn', 'error'] } }),
    metrics: section({ streamSeries: { type: 'integer', minimum: 0, maximum: 10000 } }),
    tls: section({ certFile: { type: 'string' }, keyFile: { type: 'string' } }),
    rtmps: section({ enabled: { type: 'boolean' }, port }),
    https: section({ enabled: { type: 'boolean' }, port }),
    dvr: section({
      enabled: { type: 'boolean' },
      dir: { type: 'string', minLength: 1 },
      format: { enum: ['flv', 'mp4'] },
      segmentSeconds: { type: 'number', minimum: 0, maximum: 86400 },
      pathTemplate: { type: 'string', minLength: 1, maxLength: 512 },
      keepHours: { type: 'number', minimum: 0 },
    }),
  }),
} as const;

/** Fills every missing field of `input` from `base` (default: the defaults). Arrays are replaced, not merged. */
export function resolveServerConfig(
  input: ServerConfigInput = {},
  base: ServerConfig = DEFAULT_SERVER_CONFIG,
): ServerConfig {
  const out: Record<string, unknown> = { mode: input.mode ?? base.mode };
  for (const key of Object.keys(base) as (keyof ServerConfig)[]) {
    if (key === 'mode') continue;
    out[key] = { ...(base[key] as object), ...((input as Record<string, object | undefined>)[key] ?? {}) };
  }
  return out as unknown as ServerConfig;
}

/**
 * Cross-field checks a JSON Schema cannot express. Returns messages that name the field;
 * an empty array means the config is usable.
 */
export function checkServerConfig(config: ServerConfig): string[] {
  const errors: string[] = [];
  const ports: [string, number][] = [
    ['rtmp.port', config.rtmp.port],
    ['http.port', config.http.port],
    ['api.port', config.api.port],
    ...tlsListenerPorts(config),
  ];
  for (let i = 0; i < ports.length; i++) {
    for (let j = i + 1; j < ports.length; j++) {
      if (ports[i][1] === ports[j][1]) {
        errors.push(`${ports[i][0]} and ${ports[j][0]} are both ${ports[i][1]}: each listener needs its own port`);
      }
    }
  }
  if (config.mode === 'edge' && config.edge.origins.length === 0) {
    errors.push("edge.origins is empty: mode 'edge' needs at least one origin as host:port");
  }
  if (config.mode === 'relay' && config.relay.targets.length === 0) {
    errors.push("relay.targets is empty: mode 'relay' needs at least one target as host:port");
  }
  errors.push(...checkIntegrationUrls(config));
  if (config.http.requestTimeoutSeconds < config.http.headersTimeoutSeconds) {
    errors.push(
      `http.requestTimeoutSeconds (${config.http.requestTimeoutSeconds}) must be at least http.headersTimeoutSeconds (${config.http.headersTimeoutSeconds})`,
    );
  }
  if (config.hls.windowSeconds < config.hls.fragmentSeconds) {
    errors.push(
      `hls.windowSeconds (${config.hls.windowSeconds}) must be at least hls.fragmentSeconds (${config.hls.fragmentSeconds})`,
    );
  }
  errors.push(...checkTlsAndDvr(config));
  return errors;
}

/** The enabled TLS listeners' ports, as `[field, port]`. */
function tlsListenerPorts(config: ServerConfig): [string, number][] {
  const out: [string, number][] = [];
  if (config.rtmps.enabled) out.push(['rtmps.port', config.rtmps.port]);
  if (config.https.enabled) out.push(['https.port', config.https.port]);
  return out;
}

/** Placeholders a `dvr.pathTemplate` may use (SRS's names). */
export const DVR_PLACEHOLDERS = ['[app]', '[stream]', '[timestamp]', '[2006]', '[01]', '[02]', '[15]', '[04]', '[05]', '[999]'] as const;

/** TLS listeners need a certificate; a DVR path template must stay relative and name each file uniquely. */
function checkTlsAndDvr(config: ServerConfig): string[] {
  const errors: string[] = [];
  const listeners = tlsListenerPorts(config).map(([f]) => f.replace('.port', '.enabled'));
  for (const f of ['certFile', 'keyFile'] as const) {
    if (listeners.length > 0 && !config.tls[f]) errors.push(`tls.${f} is empty: ${listeners.join(' and ')} ${listeners.length > 1 ? 'need' : 'needs'} a PEM file`);
  }
  if (config.dvr.enabled) {
    const t = config.dvr.pathTemplate;
    const rest = DVR_PLACEHOLDERS.reduce((acc, p) => acc.split(p).join('x'), t);
    if (t.startsWith('/') || t.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) {
      errors.push(`dvr.pathTemplate (${JSON.stringify(t)}) must be a relative path without '.', '..' or empty segments`);
    } else if (/[[\]]/.test(rest)) {
      errors.push(`dvr.pathTemplate (${JSON.stringify(t)}) has an unknown placeholder; known: ${DVR_PLACEHOLDERS.join(' ')}`);
    } else if (!t.includes('[timestamp]')) {
      errors.push(`dvr.pathTemplate (${JSON.stringify(t)}) must contain [timestamp] so each file gets its own name`);
    }
  }
  return errors;
}

/**
 * Where an edge fetches HLS: `edge.originsHttp`, or when that is empty the `edge.origins` hosts on `http.port`
 * (edges and origins share one config, so the origins listen on the same HTTP port).
 */
export function edgeHttpOrigins(config: ServerConfig): string[] {
  if (config.edge.originsHttp.length > 0) return [...config.edge.originsHttp];
  return config.edge.origins.map((o) => `${o.slice(0, o.lastIndexOf(':'))}:${config.http.port}`);
}

/** The fields of `config` that differ from the defaults: what the ConfigMap needs to carry. */
export function diffFromDefaults(config: ServerConfig): ServerConfigInput {
  const out: Record<string, unknown> = {};
  if (config.mode !== DEFAULT_SERVER_CONFIG.mode) out.mode = config.mode;
  for (const key of Object.keys(DEFAULT_SERVER_CONFIG) as (keyof ServerConfig)[]) {
    if (key === 'mode') continue;
    const def = DEFAULT_SERVER_CONFIG[key] as unknown as Record<string, unknown>;
    const cur = config[key] as unknown as Record<string, unknown>;
    const changed: Record<string, unknown> = {};
    for (const field of Object.keys(cur)) {
      if (JSON.stringify(cur[field]) !== JSON.stringify(def[field])) changed[field] = cur[field];
    }
    if (Object.keys(changed).length > 0) out[key] = changed;
  }
  return out as ServerConfigInput;
}

/** Placeholders a forward destination may carry. */
export const FORWARD_PLACEHOLDERS = ['[app]', '[stream]', '[param]'] as const;

/** Why `url` is not a hook URL (http/https with a host), or null when it is one. */
export function hookUrlProblem(url: string): string | null {
  let u: URL;
  try { u = new URL(url); } catch { return 'must be an absolute http:// or https:// URL'; }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `must use http:// or https://, not ${u.protocol}//`;
  if (!u.hostname) return 'must name a host';
  return null;
}

/** Why `template` is not a forward destination (rtmp/rtmps URL, placeholders only from the known set), or null. */
export function forwardUrlProblem(template: string): string | null {
  // Placeholders live in the path and query; a bracketed host is an IPv6 literal.
  const afterHost = template.replace(/^[a-z]+:\/\/[^/?#]*/i, '');
  const unknown = (afterHost.match(/\[[^\]]*\]/g) ?? []).filter((p) => !(FORWARD_PLACEHOLDERS as readonly string[]).includes(p));
  if (unknown.length > 0) return `has unknown placeholder ${unknown[0]} (allowed: ${FORWARD_PLACEHOLDERS.join(' ')})`;
  const sample = template.replace(/\[app\]/g, 'app').replace(/\[stream\]/g, 'stream').replace(/\[param\]/g, 'k=v');
  let u: URL;
  try { u = new URL(sample); } catch { return 'must be an rtmp:// or rtmps:// URL'; }
  if (u.protocol !== 'rtmp:' && u.protocol !== 'rtmps:') return `must use rtmp:// or rtmps://, not ${u.protocol}//`;
  if (!u.hostname) return 'must name a host';
  if (u.pathname.split('/').filter(Boolean).length !== 2) return 'must have the form rtmp[s]://host[:port]/app/stream[?query]';
  return null;
}

/** Every bad URL in `hooks.*` and `forward.destinations`, as messages naming the field and index. */
export function checkIntegrationUrls(config: Pick<ServerConfig, 'hooks' | 'forward'>): string[] {
  const errors: string[] = [];
  for (const event of HOOK_EVENTS) {
    (config.hooks[event] ?? []).forEach((url, i) => {
      const problem = hookUrlProblem(url);
      if (problem) errors.push(`hooks.${event}[${i}] ${problem} (got ${JSON.stringify(url.slice(0, 200))})`);
    });
  }
  (config.forward.destinations ?? []).forEach((url, i) => {
    const problem = forwardUrlProblem(url);
    // The value is not repeated: destinations carry platforms' stream keys.
    if (problem) errors.push(`forward.destinations[${i}] ${problem}`);
  });
  return errors;
}
