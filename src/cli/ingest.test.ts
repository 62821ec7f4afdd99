import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { repoRoot, tempDir } from '../testing/paths.js';

const CLI = join(repoRoot, 'dist', 'cli', 'main.js');

function edgestat(args: string[], input?: string) {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const line = (minute: number, status: number, colo: string) =>
  JSON.stringify({
    EdgeStartTimestamp: new Date(Date.UTC(2026, 10, 24, 9, minute, 30)).toISOString(),
    EdgeResponseStatus: status,
    OriginResponseStatus: status,
    EdgeColoCode: colo,
    ClientRequestHost: 'www.example.com',
    EdgeResponseBytes: 10,
    ZoneName: 'example.com',
  });

describe('edgestat ingest and query (real processes)', () => {
  const dir = tempDir();
  const db = join(dir, 'cli.duckdb');
  const lines = [
    line(0, 200, 'FRA'),
    line(0, 200, 'FRA'),
    line(0, 404, 'AMS'),
    line(1, 200, 'AMS'),
    '{"broken',
    line(1, 502, 'FRA'),
  ];
  const file = join(dir, 'logs.ndjson.gz');
  writeFileSync(file, gzipSync(`${lines.join('\n')}\n`));

  it('ingests a gzip file (detected by content), says the format and reports rejected lines', () => {
    const run = edgestat(['ingest', '--db', db, file]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /cloudflare \(auto: .*\), gzip/);
    assert.match(run.stdout, /accepted\s+5\n/);
    assert.match(run.stdout, /rejected\s+1\n/);
    assert.match(run.stdout, /line 5: invalid-json/);
  });

  it('does not count the same file twice, and --force does with a warning', () => {
    const again = edgestat(['ingest', '--db', db, file]);
    assert.equal(again.status, 0);
    assert.match(again.stdout, /skipped: already ingested/);
    const forced = edgestat(['ingest', '--db', db, '--force', '--json', file]);
    assert.match(forced.stderr, /counts its requests again/);
    assert.equal(JSON.parse(forced.stdout).files[0].result.accepted, 5);
  });

  it('answers query --json with per-bucket counts and percentages of all requests', () => {
    const run = edgestat([
      'query',
      '--db',
      db,
      '--zone',
      'example.com',
      '--from',
      '2026-11-24T09:00:00Z',
      '--to',
      '2026-11-24T09:05:00Z',
      '--bucket',
      '1m',
      '--json',
    ]);
    assert.equal(run.status, 0, run.stderr);
    const answer = JSON.parse(run.stdout);
    // Ingested twice (--force): every count doubles, percentages do not change.
    assert.deepEqual(
      answer.rows.map((r: { t: string; status: number; requests: number; percent: number }) => [
        r.t,
        r.status,
        r.requests,
        r.percent,
      ]),
      [
        ['2026-11-24T09:00:00.000Z', 200, 4, 66.6667],
        ['2026-11-24T09:00:00.000Z', 404, 2, 33.3333],
        ['2026-11-24T09:01:00.000Z', 200, 2, 50],
        ['2026-11-24T09:01:00.000Z', 502, 2, 50],
      ],
    );
  });

  it('keeps the percentage of all requests when filtering statuses, and prints CSV', () => {
    const run = edgestat([
      'query',
      '--db',
      db,
      '--zone',
      'example.com',
      '--from',
      '2026-11-24T09:00:00Z',
      '--to',
      '2026-11-24T09:05:00Z',
      '--bucket',
      '5m',
      '--by',
      'status,colo',
      '--status',
      '4xx',
      '--csv',
    ]);
    assert.equal(run.stdout, 't,status,colo,requests,bytes,percent\r\n2026-11-24T09:00:00.000Z,404,AMS,2,20,20\r\n');
  });

  it('reads stdin and fails a run over --max-reject-ratio without committing it', () => {
    const run = edgestat(
      ['ingest', '--db', join(dir, 'ratio.duckdb'), '--max-reject-ratio', '0.1', '-'],
      `${lines.join('\n')}\n`,
    );
    assert.equal(run.status, 1);
    assert.match(run.stdout, /FAILED: 1 of 6 lines rejected/);
    const query = edgestat([
      'query',
      '--db',
      join(dir, 'ratio.duckdb'),
      '--zone',
      'example.com',
      '--from',
      '2026-11-24',
      '--to',
      '2026-11-25',
    ]);
    assert.match(query.stdout, /no requests in this range/);
  });

  it('exits 1 when nothing could be read, naming the file', () => {
    const run = edgestat(['ingest', '--db', join(dir, 'none.duckdb'), join(dir, 'missing.log')]);
    assert.equal(run.status, 1);
    assert.match(run.stdout, /cannot read .*missing\.log/);
  });

  it('names the parameter and what is allowed for a bad query', () => {
    const run = edgestat(['query', '--db', db, '--zone', 'example.com', '--bucket', '7m']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /bucket: must be one of auto, 1m, 5m, 15m, 1h, 1d/);
  });
});

describe('edgestat ingest cardinality caps', () => {
  it('folds colos past --max-colos-per-day into (Other), says so, and refuses a bad cap', () => {
    const dir = tempDir();
    const db = join(dir, 'caps.duckdb');
    const file = join(dir, 'colos.ndjson');
    writeFileSync(file, `${['AAA', 'BBB', 'CCC', 'DDD', 'CCC'].map((colo) => line(0, 200, colo)).join('\n')}\n`);
    const run = edgestat(['ingest', '--db', db, '--max-colos-per-day', '2', file]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /folded\s+3 requests' colo, 0 requests' host into "\(Other\)"/);
    const range = '--zone example.com --from 2026-11-24T09:00:00Z --to 2026-11-24T10:00:00Z --bucket 1h';
    const query = edgestat(['query', '--db', db, ...range.split(' '), '--by', 'colo', '--json']);
    const rows = JSON.parse(query.stdout).rows.map((r: { colo: string; requests: number }) => [r.colo, r.requests]);
    assert.deepEqual(rows, [
      ['(Other)', 3],
      ['AAA', 1],
      ['BBB', 1],
    ]);
    const bad = edgestat(['ingest', '--db', db, '--max-zones', 'abc', file]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--max-zones must be a whole number 1 or more, got "abc"/);
  });
});
