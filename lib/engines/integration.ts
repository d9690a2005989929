/**
 * Platform integration props (`hooks`, `forward` on every construct) and how they reach the engines: one set of
 * props, rendered by the companion engine into its config's `hooks` / `forward` sections and by the SRS engine into
 * `http_hooks` / `forward` blocks. Which servers of a topology get which part is decided here, per wiring:
 * - a server behind a relay (RelayCluster's servers) gets only the player-side hooks (onPlay, onStop, onHls, onDvr):
 *   its publishes are the relay's pushes, already admitted (and forwarded) by the relay;
 * - an edge gets every hook (it admits its players and leaves its publishes to the origin) and no forwarding;
 * - every other server gets everything.
 */
import {
  checkIntegrationUrls, DEFAULT_SERVER_CONFIG, ForwardConfig, HOOK_EVENTS, HooksConfig, resolveServerConfig,
} from '../server-config';
import { IServerEngine, ServerWiring } from './engine';

/** The `hooks` prop: any field of the server config's `hooks` section (see HooksConfig for each one's default). */
export type HooksProps = Partial<HooksConfig>;
/** The `forward` prop: the server config's `forward` section. */
export type ForwardProps = Partial<ForwardConfig>;

/** Resolved hooks and forwarding for one server. */
export interface PlatformIntegration {
  /** Callbacks, defaults filled. */
  readonly hooks: HooksConfig;
  /** Forward destinations. */
  readonly forward: ForwardConfig;
}

/** Events a server behind a relay keeps (its players and files); the relay handles publishing. */
const PLAYER_SIDE_EVENTS: readonly string[] = ['onPlay', 'onStop', 'onHls', 'onDvr'];

/**
 * Resolves and checks the props: throws `<owner> 'hooks.onPublish[0]' must ...` for a bad URL or setting.
 * Returns undefined when neither prop is given (the configs stay as they were).
 */
export function resolveIntegration(owner: string, hooks?: HooksProps, forward?: ForwardProps): PlatformIntegration | undefined {
  if (hooks === undefined && forward === undefined) return undefined;
  const c = resolveServerConfig({ hooks: hooks ?? {}, forward: forward ?? {} });
  for (const event of HOOK_EVENTS) {
    if (!Array.isArray(c.hooks[event])) throw new Error(`${owner} 'hooks.${event}' must be a list of URLs, got ${JSON.stringify(c.hooks[event])}`);
  }
  if (!Array.isArray(c.forward.destinations)) {
    throw new Error(`${owner} 'forward.destinations' must be a list of rtmp:// or rtmps:// URL templates`);
  }
  const problems = checkIntegrationUrls(c);
  if (problems.length > 0) {
    const [field, ...rest] = problems[0].split(' ');
    throw new Error(`${owner} '${field}' ${rest.join(' ')}`);
  }
  const { timeoutMs, retries, backoffMs } = c.hooks;
  const range = (prop: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${owner} 'hooks.${prop}' must be an integer in ${min}-${max}, got ${JSON.stringify(v)}`);
  };
  range('timeoutMs', timeoutMs, 1, 8000);
  range('retries', retries, 0, 10);
  range('backoffMs', backoffMs, 0, 60000);
  if (typeof c.hooks.failOpen !== 'boolean') throw new Error(`${owner} 'hooks.failOpen' must be true or false, got ${JSON.stringify(c.hooks.failOpen)}`);
  return { hooks: c.hooks, forward: c.forward };
}

/** What one server of the topology gets (see the file comment). */
export function integrationFor(wiring: ServerWiring, integration: PlatformIntegration): PlatformIntegration {
  // An edge's publishes are forwarded by the origin: its config needs no destinations (nor their stream keys).
  if (wiring.role === 'edge') return { hooks: integration.hooks, forward: DEFAULT_SERVER_CONFIG.forward };
  if (!wiring.behindRelay) return integration;
  const hooks = { ...integration.hooks } as Record<string, unknown>;
  for (const event of HOOK_EVENTS) if (!PLAYER_SIDE_EVENTS.includes(event)) hooks[event] = [];
  return { hooks: hooks as unknown as HooksConfig, forward: DEFAULT_SERVER_CONFIG.forward };
}

/**
 * The engine with the integration added to every config it renders (the engine itself when there is none).
 * The result inherits everything else from `engine` (its members, its class), so constructs use it unchanged.
 */
export function withIntegration(engine: IServerEngine, integration: PlatformIntegration | undefined): IServerEngine {
  if (!integration) return engine;
  const wrapped = Object.create(engine) as IServerEngine & { renderConfig: IServerEngine['renderConfig']; integration?: PlatformIntegration };
  wrapped.renderConfig = (wiring) => engine.renderConfig({ ...wiring, integration: integrationFor(wiring, integration) });
  wrapped.integration = integration;
  return wrapped;
}

/**
 * TCP ports the servers connect to for hooks and forwarding (any address: backends and restream targets live
 * outside the construct), so the NetworkPolicies let them out. URLs that name no port use the scheme's default
 * (http 80, https 443, rtmp 1935, rtmps 443). Destinations an on_publish answer returns at run time cannot be
 * known here: `networkPolicy.extraEgressPorts` covers them.
 */
export function integrationEgressPorts(integration: PlatformIntegration | undefined): number[] {
  if (!integration) return [];
  const defaults: Record<string, number> = { 'http:': 80, 'https:': 443, 'rtmp:': 1935, 'rtmps:': 443 };
  const urls = [...HOOK_EVENTS.flatMap((e) => integration.hooks[e] as readonly string[]), ...integration.forward.destinations];
  const ports = new Set<number>();
  for (const raw of urls) {
    let u: URL;
    try { u = new URL(raw.replace(/\[(app|stream|param)\]/g, 'x')); } catch { continue; } // checked at resolve time
    const port = u.port ? Number(u.port) : defaults[u.protocol];
    if (port) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}
