// The Dockerfile checked without a Docker engine: dockerfile-utils' validator (the one behind the VS Code Docker
// language server: syntax, arguments, flags, casing, duplicate CMD/ENTRYPOINT/HEALTHCHECK, relative WORKDIR) with
// every rule an error, plus the rules a multi-arch release needs: pinned base images, a build stage that runs on
// the build platform (its output is plain JavaScript), a numeric non-root user, and COPY sources that exist.
// image-run.test.ts then runs the final stage's files as the image would. Not verified here: `docker build`
// itself, the base images' arm64 variants, the push.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate, ValidationSeverity, ValidatorSettings } from 'dockerfile-utils';
import { DOCKERFILE, REPO } from './image-sandbox';

const ALL_ERRORS: ValidatorSettings = {
  deprecatedMaintainer: ValidationSeverity.ERROR,
  directiveCasing: ValidationSeverity.ERROR,
  emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR,
  instructionCmdMultiple: ValidationSeverity.ERROR,
  instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionHealthcheckMultiple: ValidationSeverity.ERROR,
  instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
  instructionWorkdirRelative: ValidationSeverity.ERROR,
};

/** Instructions with continuation lines joined and comments dropped. */
function instructions(text: string): string[] {
  return text.replace(/\\\r?\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

/** Problems of the release rules, as messages (empty when the Dockerfile follows them). */
function releaseProblems(text: string): string[] {
  const problems: string[] = [];
  const lines = instructions(text);
  const froms = lines.filter((l) => /^FROM\s/i.test(l));
  const stageNames = new Set(froms.map((f) => /\sAS\s+(\S+)/i.exec(f)?.[1]).filter(Boolean));
  for (const f of froms) {
    const image = f.split(/\s+/).slice(1).find((w) => !w.startsWith('--'))!;
    if (stageNames.has(image)) continue;
    if (!/:[\w.-]+$|@sha256:/.test(image) || /:latest$/.test(image)) problems.push(`base image not pinned: ${image}`);
  }
  froms.slice(0, -1).forEach((f) => {
    if (!/--platform=\$BUILDPLATFORM/.test(f)) problems.push(`build stage not on $BUILDPLATFORM: ${f}`);
  });
  if (/--platform/.test(froms[froms.length - 1] ?? '')) problems.push('final stage must take the target platform');
  const final = lines.slice(lines.lastIndexOf(froms[froms.length - 1]));
  const user = final.filter((l) => /^USER\s/i.test(l)).pop();
  if (!user || !/^USER\s+[1-9]\d*(:[1-9]\d*)?$/i.test(user)) problems.push(`final stage user not numeric non-root: ${user ?? 'none'}`);
  for (const c of lines.filter((l) => /^COPY\s/i.test(l) && !/--from=/i.test(l))) {
    const words = c.split(/\s+/).slice(1).filter((w) => !w.startsWith('--'));
    for (const src of words.slice(0, -1)) {
      if (!fs.existsSync(path.join(REPO, src))) problems.push(`COPY source missing from the context: ${src}`);
    }
  }
  return problems;
}

const text = fs.readFileSync(DOCKERFILE, 'utf8');

describe('Dockerfile lint', () => {
  test('dockerfile-utils finds nothing, with every rule an error', () => {
    expect(validate(text, ALL_ERRORS).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  test('the release rules hold (pinned bases, build stage on $BUILDPLATFORM, numeric user, COPY sources present)', () => {
    expect(releaseProblems(text)).toEqual([]);
  });

  test('both linters fail on broken Dockerfiles (they can fail)', () => {
    const broken = text.replace('WORKDIR /src', 'workdir src').replace(/^CMD .*$/m, '$&\nCMD ["x"]');
    const messages = validate(broken, ALL_ERRORS).map((d) => String(d.message));
    expect(messages.some((m) => /uppercase/i.test(m))).toBe(true);
    expect(messages.some((m) => /absolute/i.test(m))).toBe(true);
    expect(messages.some((m) => /CMD/.test(m))).toBe(true);
    const unpinned = text
      .replace('FROM node:20-alpine', 'FROM node')
      .replace('--platform=$BUILDPLATFORM ', '')
      .replace('USER 10001:10001', 'USER node')
      .replace('COPY images/rtmp-server/rtmp-server.yaml', 'COPY images/rtmp-server/missing.yaml');
    expect(releaseProblems(unpinned)).toEqual([
      'base image not pinned: node',
      'build stage not on $BUILDPLATFORM: FROM node:20-bookworm-slim AS build',
      'final stage user not numeric non-root: USER node',
      'COPY source missing from the context: images/rtmp-server/missing.yaml',
    ]);
  });
});
