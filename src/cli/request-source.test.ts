import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { testApp } from '../server/testing.js';
import { repoRoot, tempDir } from '../testing/paths.js';

const CLI = join(repoRoot, 'dist', 'cli', 'main.js');
const edgestat = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

const line = (status: number, fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    EdgeStartTimestamp: '2026-11-24T09:00:30Z',
    EdgeResponseStatus: status,
    OriginResponseStatus: status === 504 ? 0 : status,
    EdgeColoCode: 'FRA',
    ClientRequestHost: 'www.example.com',
    ZoneName: 'example.com',
    ...fields,
  });

describe('edgestat ingest and query: request sources (real processes)', () => {
  const dir = tempDir();
  const db = join(dir, 'sources.duckdb');
  const file = join(dir, 'worker-zone.ndjson');
  const lines = [
    line(200),
    line(200, { ClientRequestSource: 'eyeball' }),
    line(404, { ClientRequestSource: 1 }),
    ...Array.from({ length: 12 }, () => line(200, { ClientRequestSource: 'edgeWorkerFetch', WorkerSubrequest: true })),
    ...Array.from({ length: 3 }, () => line(504, { ClientRequestSource: 'earlyHintsCache' })),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  const query = (...extra: string[]) => {
    const range = ['--from', '2026-11-24T09:00:00Z', '--to', '2026-11-24T10:00:00Z', '--bucket', '1h'];
    const answer = edgestat(['query', '--db', db, '--zone', 'example.com', ...range, '--json', ...extra]);
    assert.equal(answer.status, 0, answer.stderr);
    return JSON.parse(answer.stdout).rows.map((r: Record<string, unknown>) => [
      r.status ?? r.requestSource,
      r.requests,
    ]);
  };

  it('says in the ingest summary how many lines were set aside and why', () => {
    const run = edgestat(['ingest', '--db', db, file]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /accepted\s+18\n/);
    assert.match(run.stdout, /set aside 15 accepted lines that are not visitor requests/);
    assert.match(run.stdout, /\n\s+12 {2}edgeWorkerFetch\n\s+3 {2}earlyHintsCache\n/);
    const json = edgestat(['ingest', '--db', join(dir, 'other.duckdb'), '--json', file]);
    assert.deepEqual(JSON.parse(json.stdout).files[0].result.setAside, { edgeWorkerFetch: 12, earlyHintsCache: 3 });
  });

  it('queries visitor requests by default, others with --request-source and --by requestSource', () => {
    assert.deepEqual(query(), [
      [200, 2],
      [404, 1],
    ]);
    assert.deepEqual(query('--request-source', 'all'), [
      [200, 14],
      [404, 1],
      [504, 3],
    ]);
    assert.deepEqual(query('--request-source', 'earlyHintsCache'), [[504, 3]]);
    assert.deepEqual(query('--by', 'requestSource'), [
      ['earlyHintsCache', 3],
      ['edgeWorkerFetch', 12],
      ['eyeball', 3],
    ]);
    const bad = edgestat(['query', '--db', db, '--zone', 'example.com', '--request-source', 'bots']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /requestSource: must be all or a comma-separated list of eyeball/);
  });

  it('adds up the set-aside lines of every batch pushed with --server', async () => {
    const t = await testApp();
    try {
      const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
      // About 5.5 MiB: two pushed batches, each with Worker subrequests in it.
      // Padding that does not compress away: the server bounds how far a body may decompress.
      const many = Array.from({ length: 20_000 }, (_, i) => {
        const pad = randomBytes(100).toString('hex');
        return line(200, i % 10 === 0 ? { ClientRequestSource: 'edgeWorkerFetch', pad } : { pad });
      });
      const big = join(dir, 'big.ndjson');
      writeFileSync(big, `${many.join('\n')}\n`);
      const run = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, 'ingest', '--server', url, '--zone', 'example.com', '--json', big]);
        let stdout = '';
        child.stdout.on('data', (chunk) => {
          stdout += chunk;
        });
        let stderr = '';
        child.stderr.on('data', (chunk) => {
          stderr += chunk;
        });
        child.on('close', (status) => resolve({ status, stdout: stdout + stderr }));
      });
      assert.equal(run.status, 0, run.stdout);
      const result = JSON.parse(run.stdout).files[0].result;
      assert.deepEqual([result.accepted, result.setAside], [20_000, { edgeWorkerFetch: 2_000 }]);
    } finally {
      await t.destroy();
    }
  });
});
