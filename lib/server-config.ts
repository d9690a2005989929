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
}

/** The HTTP listener for HTTP-FLV, HLS and the player page. */
export interface HttpConfig {
  /** TCP port for `/{app}/{stream}.flv`, `/{app}/{stream}.m3u8` and the player page. @default 8080 */
  readonly port: number;
  /** Value of `Access-Control-Allow-Origin` on media responses; empty string sends none. @default '*' */
  readonly cors: string;
  /** Serve the player page at `/`. @default true */
  readonly playerPage: boolean;
}

/** The HTTP API listener (SRS-compatible `/api/v1/...`, `/healthz`, `/readyz`, `/metrics`). */
export interface ApiConfig {
  /** TCP port of the API. @default 1985 */
  readonly port: number;
  /** Allow `DELETE /api/v1/clients/{id}` (kicking a client). @default true */
  readonly allowKick: boolean;
}

/** HLS output, written by the origin. */
export interface HlsConfig {
  /** Write HLS for every published stream. @default true */
  readonly enabled: boolean;
  /** Directory the playlists and segments are written under (`{dir}/{app}/{stream}.m3u8`). @default '/var/lib/rtmp-server/hls' */
  readonly dir: string;
  /** Target segment length in seconds (segments cut on the next keyframe after it). @default 2 */
  readonly fragmentSeconds: number;
  /** Length of the live playlist window in seconds; older segments are deleted. @default 10 */
  readonly windowSeconds: number;
  /** Seconds after a stream ends before its playlist and segments are removed. @default 30 */
  readonly cleanupDelaySeconds: number;
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

/** Logging. */
export interface LogConfig {
  /** Minimum level written (JSON lines on stdout). @default 'info' */
  readonly level: 'debug' | 'info' | 'warn' | 'error';
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
  /** Logging. */
  readonly log: LogConfig;
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
  rtmp: { port: 1935, chunkSize: 60000, maxMessageSize: 8 * 1024 * 1024 },
  http: { port: 8080, cors: '*', playerPage: true },
  api: { port: 1985, allowKick: true },
  hls: {
    enabled: true,
    dir: '/var/lib/rtmp-server/hls',
    fragmentSeconds: 2,
    windowSeconds: 10,
    cleanupDelaySeconds: 30,
  },
  play: { gopCache: true, mergeWriteMs: 350, maxQueueBytes: 4 * 1024 * 1024, slowPlayerCloseSeconds: 10 },
  edge: { origins: [], idleSeconds: 5, retrySeconds: 3, originsHttp: [], hlsCacheBytes: 128 * 1024 * 1024 },
  relay: { targets: [], resolveSeconds: 5 },
  cluster: { peers: [], resolveSeconds: 5 },
  auth: { publishSecret: '', playKey: '' },
  lifecycle: { readinessGraceSeconds: 2, drainSeconds: 30 },
  log: { level: 'info' },
};

const port = { type: 'integer', minimum: 1, maximum: 65535 } as const;
const seconds = { type: 'number', minimum: 0 } as const;
/** `host:port` as peer lists and construct props take it (IPv6 literals bracketed); constructs check props with it too. */
export const HOST_PORT_PATTERN = '^[A-Za-z0-9.\\-\\[\\]:]+:[0-9]{1,5}$';
const hostPorts = {
  type: 'array',
  items: { type: 'string', pattern: HOST_PORT_PATTERN },
} as const;

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
    }),
    http: section({ port, cors: { type: 'string' }, playerPage: { type: 'boolean' } }),
    api: section({ port, allowKick: { type: 'boolean' } }),
    hls: section({
      enabled: { type: 'boolean' },
      dir: { type: 'string', minLength: 1 },
      fragmentSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 60 },
      windowSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 3600 },
      cleanupDelaySeconds: seconds,
    }),
    play: section({
      gopCache: { type: 'boolean' },
      mergeWriteMs: { type: 'integer', minimum: 0, maximum: 2000 },
      maxQueueBytes: { type: 'integer', minimum: 65536 },
      slowPlayerCloseSeconds: seconds,
    }),
    edge: section({
      origins: hostPorts, idleSeconds: seconds, retrySeconds: seconds,
      originsHttp: hostPorts, hlsCacheBytes: { type: 'integer', minimum: 1048576 },
    }),
    relay: section({ targets: hostPorts, resolveSeconds: { type: 'number', exclusiveMinimum: 0 } }),
    cluster: section({ peers: hostPorts, resolveSeconds: { type: 'number', exclusiveMinimum: 0 } }),
    auth: section({ publishSecret: { type: 'string' }, playKey: { type: 'string' } }),
    lifecycle: section({ readinessGraceSeconds: seconds, drainSeconds: seconds }),
    log: section({ level: { enum: ['debug', 'info', 'warn', 'error'] } }),
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
  if (config.hls.windowSeconds < config.hls.fragmentSeconds) {
    errors.push(
      `hls.windowSeconds (${config.hls.windowSeconds}) must be at least hls.fragmentSeconds (${config.hls.fragmentSeconds})`,
    );
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
