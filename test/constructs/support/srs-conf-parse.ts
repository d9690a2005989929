/** A parsed srs.conf directive. */
export interface ParsedDirective {
  name: string;
  args: string[];
  block?: ParsedDirective[];
}

/** Parses srs.conf text (directives `name args;` and blocks `name args { ... }`, `#` comments). */
export function parseSrsConf(text: string): ParsedDirective[] {
  const tokens = text.replace(/#[^\n]*/g, '').match(/[{};]|[^\s{};]+/g) ?? [];
  let i = 0;
  function parseList(): ParsedDirective[] {
    const out: ParsedDirective[] = [];
    while (i < tokens.length && tokens[i] !== '}') {
      const words: string[] = [];
      while (i < tokens.length && !['{', '}', ';'].includes(tokens[i])) words.push(tokens[i++]);
      const end = tokens[i++];
      if (words.length === 0 || end === undefined) throw new Error(`srs.conf: unexpected ${JSON.stringify(end)} at token ${i}`);
      const d: ParsedDirective = { name: words[0], args: words.slice(1) };
      if (end === '{') {
        d.block = parseList();
        if (tokens[i++] !== '}') throw new Error(`srs.conf: block ${d.name} is not closed`);
      } else if (end !== ';') {
        throw new Error(`srs.conf: directive ${d.name} ends with ${end}`);
      }
      out.push(d);
    }
    return out;
  }
  const list = parseList();
  if (i < tokens.length) throw new Error(`srs.conf: unexpected ${tokens[i]} at token ${i}`);
  return list;
}

/** Paths of `want`'s directives (`vhost __defaultVhost__ > cluster > mode remote`) that `have` lacks. */
export function missingDirectives(want: ParsedDirective[], have: ParsedDirective[], prefix = ''): string[] {
  const missing: string[] = [];
  for (const w of want) {
    const label = `${prefix}${w.name}${w.args.length ? ' ' + w.args.join(' ') : ''}`;
    const match = have.find((h) => h.name === w.name && h.args.join(' ') === w.args.join(' ') && !!h.block === !!w.block);
    if (!match) missing.push(label);
    else if (w.block) missing.push(...missingDirectives(w.block, match.block!, `${label} > `));
  }
  return missing;
}
