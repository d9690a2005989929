import pino from 'pino';

/** Structured JSON-line logging (pino: fast, well kept, one line per event). */
export type Logger = pino.Logger;

declare const SERVER_VERSION: string;
/** Injected by esbuild from package.json; 'dev' when run unbundled (ts-node, jest). */
export const VERSION: string = typeof SERVER_VERSION === 'string' ? SERVER_VERSION : '0.0.0-dev';

export function createLogger(level: string): Logger {
  return pino({ level, base: { pid: process.pid, version: VERSION }, timestamp: pino.stdTimeFunctions.isoTime });
}
