import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from compiled tests in dist/ as from sources. */
export const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');

/** Path of a file under test/fixtures/. */
export function fixture(...parts: string[]): string {
  return join(repoRoot, 'test', 'fixtures', ...parts);
}

/** A fresh temporary directory for one test. */
export function tempDir(prefix = 'edgestat-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
