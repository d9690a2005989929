import type { RunningServer } from './server-process';

/** The server's JSON log lines (anything else it printed is skipped). */
export function logLines(server: RunningServer): Record<string, any>[] {
  const out: Record<string, any>[] = [];
  for (const line of server.output().split('\n')) {
    if (!line.startsWith('{')) continue;
    try { out.push(JSON.parse(line)); } catch { /* partial line */ }
  }
  return out;
}

/** Log lines with `event === name` (and matching `fields`). */
export function events(server: RunningServer, name: string, fields: Record<string, unknown> = {}): Record<string, any>[] {
  return logLines(server).filter((l) => l.event === name && Object.entries(fields).every(([k, v]) => l[k] === v));
}

/** Waits (bounded) until `events(...)` has at least `count` lines; returns them, or throws with the log. */
export async function waitForEvent(
  server: RunningServer, name: string, fields: Record<string, unknown> = {}, count = 1, timeoutMs = 15000,
): Promise<Record<string, any>[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = events(server, name, fields);
    if (found.length >= count) return found;
    if (Date.now() > deadline) {
      throw new Error(`no ${count}× ${name} ${JSON.stringify(fields)} within ${timeoutMs} ms; log:\n${server.output().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits (bounded) until `check()` is true: log lines reach the test a moment after the effect they describe. */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
