import pino from 'pino';

/** Structured JSON-line logging (pino: fast, well kept, one line per event). */
export type Logger = pino.Logger;

declare const SERVER_VERSION: string;
/** Injected by esbuild from package.json; 'dev' when run unbundled (ts-node, jest). */
export const VERSION: string = typeof SERVER_VERSION === 'string' ? SERVER_VERSION : '0.0.0-dev';

/**
 * JSON lines on stdout, written synchronously: pino's default asynchronous writer can lose or reorder the
 * last lines when the process exits (an in-flight write races the exit flush), and the shutdown lines are
 * the ones an operator needs. Log volume is per session event, so blocking writes cost nothing measurable.
 */
export function createLogger(level: string): Logger {
  return pino(
    { level, base: { pid: process.pid, version: VERSION }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: 1, sync: true }),
  );
}
