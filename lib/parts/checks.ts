/**
 * Synth-time checks of construct props. Each throws an Error that names the construct, the prop,
 * the value given and what is allowed, e.g.
 * "EdgeCluster 'edgeReplicas' must be an integer >= 1, got 0".
 */
import { HOST_PORT_PATTERN } from '../server-config';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HOST_PORT = new RegExp(HOST_PORT_PATTERN);

function fail(owner: string, prop: string, rule: string, value: unknown): never {
  throw new Error(`${owner} '${prop}' ${rule}, got ${JSON.stringify(value)}`);
}

/** An integer >= `min` (replica counts, seconds). */
export function checkInteger(owner: string, prop: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) fail(owner, prop, `must be an integer >= ${min}`, value);
  return value;
}

/** A finite number >= 0 (resource quantities). */
export function checkNonNegative(owner: string, prop: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(owner, prop, 'must be a finite number >= 0', value);
  }
  return value;
}

/** A TCP port number. */
export function checkPort(owner: string, prop: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    fail(owner, prop, 'must be an integer port in 1-65535', value);
  }
  return value;
}

/** Ports that share one listener set (a pod, a Service, one shared load balancer) must differ. */
export function checkDistinctPorts(owner: string, ports: readonly (readonly [string, number])[]): void {
  const seen = new Map<number, string>();
  for (const [prop, port] of ports) {
    const other = seen.get(port);
    if (other !== undefined) {
      throw new Error(`${owner} '${prop}' and '${other}' are both ${port}: ports that share a listener must differ`);
    }
    seen.set(port, prop);
  }
}

/** A Kubernetes object name usable for every kind we create (DNS-1123 label: Services need it). */
export function checkName(owner: string, prop: string, value: string): string {
  if (typeof value !== 'string' || value.length > 63 || !DNS_LABEL.test(value)) {
    fail(owner, prop, 'must be a DNS-1123 label (lowercase a-z, 0-9 and "-", starting and ending alphanumeric, at most 63 characters)', value);
  }
  return value;
}

/** `host:port` addresses (external origins). */
export function checkHostPorts(owner: string, prop: string, values: readonly string[]): string[] {
  for (const v of values) {
    const port = typeof v === 'string' && HOST_PORT.test(v) ? Number(v.slice(v.lastIndexOf(':') + 1)) : 0;
    if (port < 1 || port > 65535) {
      fail(owner, prop, 'must hold host:port addresses with a port in 1-65535', v);
    }
  }
  return [...values];
}
