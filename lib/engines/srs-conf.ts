/**
 * srs.conf as data: a directive is a name, its arguments and optionally a block of child directives.
 * Rendered with the guide's layout (4-space indent, arguments aligned at column 20 at the top level, 16 inside blocks).
 */
export interface SrsDirective {
  /** Directive name, e.g. `listen`, `vhost`, `cluster`. */
  readonly name: string;
  /** Arguments, e.g. `['1935']` or `['__defaultVhost__']` for a block. */
  readonly args: readonly string[];
  /** Child directives: present for a block (`name args { ... }`), absent for a leaf (`name args;`). @default - a leaf */
  readonly block?: readonly SrsDirective[];
}

/** A leaf directive. */
export function leaf(name: string, ...args: (string | number)[]): SrsDirective {
  return { name, args: args.map(String) };
}

/** A block directive. */
export function block(name: string, args: (string | number)[], children: SrsDirective[]): SrsDirective {
  return { name, args: args.map(String), block: children };
}

function renderOne(d: SrsDirective, depth: number): string[] {
  const indent = '    '.repeat(depth);
  const head = d.args.length > 0 ? `${d.name.padEnd(Math.max(depth === 0 ? 20 : 16, d.name.length + 1))}${d.args.join(' ')}` : d.name;
  if (!d.block) return [`${indent}${head};`];
  const open = d.args.length > 0 ? `${indent}${d.name} ${d.args.join(' ')} {` : `${indent}${d.name} {`;
  return [open, ...d.block.flatMap((c) => renderOne(c, depth + 1)), `${indent}}`];
}

/** The text of a config file. */
export function renderSrsConf(directives: readonly SrsDirective[]): string {
  return directives.flatMap((d) => renderOne(d, 0)).join('\n') + '\n';
}
