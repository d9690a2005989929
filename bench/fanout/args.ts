// Command-line helpers shared by the benches.

/** "50,200,500" → [50, 200, 500]; throws on anything but positive integers. */
export function numList(s: string): number[] {
  const xs = s.split(',').map((x) => Number(x.trim()));
  if (xs.some((x) => !Number.isInteger(x) || x <= 0)) throw new Error(`bad number list: ${s}`);
  return xs;
}

/** A core for taskset, or undefined (no pinning) for a negative value. */
export const core = (s: string): number | undefined => (Number(s) < 0 ? undefined : Number(s));

/** Options every bench takes (parseArgs form): outputs, time bound, core pinning, which server build. */
export const COMMON_OPTIONS = {
  'max-minutes': { type: 'string', default: '30' },
  'server-cpu': { type: 'string', default: '0' },
  'client-cpu': { type: 'string', default: '1' },
  rebuild: { type: 'boolean', default: false },
  'server-bundle': { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;
