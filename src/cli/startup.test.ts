import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot, tempDir } from '../testing/paths.js';

const CLI = join(repoRoot, 'dist', 'cli', 'main.js');
/** Loaded before the CLI: at exit, prints the npm packages the process loaded (CommonJS ones, where the heavy clients are). */
const REPORT_PACKAGES = `data:text/javascript,${encodeURIComponent(`
import { createRequire } from 'node:module';
const cache = createRequire('/report.js').cache;
process.on('exit', () => {
  const names = new Set(Object.keys(cache).map((p) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(p)?.[1]).filter(Boolean));
  process.stderr.write('PACKAGES ' + JSON.stringify([...names]) + '\\n');
});`)}`;

/** The npm packages a CLI run loads. */
function packagesLoaded(...args: string[]): string[] {
  const run = spawnSync(process.execPath, ['--import', REPORT_PACKAGES, CLI, ...args], { encoding: 'utf8' });
  const line = /PACKAGES (.*)/.exec(run.stderr)?.[1];
  assert.ok(line, `no package report: ${run.stderr}`);
  return JSON.parse(line);
}

const SERVER_PACKAGES = [
  'fastify',
  '@fastify/static',
  '@fastify/swagger',
  'prom-client',
  '@sinclair/typebox',
  'typebox',
];
const STORE_PACKAGES = ['@duckdb/node-api', '@duckdb/node-bindings', '@clickhouse/client'];

describe('CLI start', () => {
  it('edgestat --help loads neither the server nor a store client', () => {
    const loaded = packagesLoaded('--help');
    assert.ok(loaded.includes('commander'), 'the report sees CommonJS packages');
    assert.deepEqual(
      loaded.filter((p) => [...SERVER_PACKAGES, ...STORE_PACKAGES].includes(p)),
      [],
    );
  });

  it('edgestat query on a DuckDB file loads DuckDB only', () => {
    const db = join(tempDir(), 'none.duckdb');
    packagesLoaded('zone', 'list', '--db', db);
    const loaded = packagesLoaded('query', '--db', db, '--zone', 'shop.example', '--json');
    assert.ok(loaded.includes('@duckdb/node-api'));
    assert.deepEqual(
      loaded.filter((p) => [...SERVER_PACKAGES, '@clickhouse/client'].includes(p)),
      [],
    );
  });
});
