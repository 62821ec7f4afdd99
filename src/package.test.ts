import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './testing/paths.js';

/** The files `npm pack` would publish, relative to the package root. */
function packedFiles(): Set<string> {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Set((JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path));
}

describe('the published package', () => {
  const files = packedFiles();

  it('holds the runtime only: no tests, test helpers, benchmarks or browser tests', () => {
    const extra = [...files].filter((f) => /\.test\.js|\/testing(\.js|\/)|^dist\/(bench|e2e)\/|race-committer/.test(f));
    assert.deepEqual(extra, []);
    assert.ok(files.has('dist/cli/main.js'));
    assert.ok(files.has('dist/web/index.html'));
  });

  it('has every module a runtime module imports', () => {
    const missing: string[] = [];
    for (const file of files) {
      if (!file.endsWith('.js') || file.startsWith('dist/web/')) continue;
      const source = readFileSync(join(repoRoot, file), 'utf8');
      for (const [, spec] of source.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
        const target = normalize(join(dirname(file), spec));
        if (!files.has(target)) missing.push(`${file} imports ${target}`);
      }
    }
    assert.deepEqual(missing, []);
  });
});
