import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cfLine } from '../server/testing.js';
import { repoRoot, tempDir } from '../testing/paths.js';
import { integerOption, numberOption } from './numbers.js';

const CLI = join(repoRoot, 'dist', 'cli', 'main.js');

function edgestat(args: string[], input = '') {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input, timeout: 20_000 });
}

describe('numeric option parsers', () => {
  it('read numbers within bounds and refuse the rest naming the option and what is allowed', () => {
    const lines = integerOption('--n', { min: 1, max: 10 });
    assert.equal(lines('7'), 7);
    assert.equal(lines(' 10 '), 10);
    for (const bad of ['abc', '', '0', '11', '1.5', '5x', '0x5', 'Infinity', 'NaN', '-3', '1e400']) {
      assert.throws(() => lines(bad), /^Error: --n must be a whole number from 1 to 10, got "/, bad);
    }
    const ratio = numberOption('--ratio', { min: 0, max: 1 });
    assert.equal(ratio('0.25'), 0.25);
    assert.equal(ratio('.5'), 0.5);
    assert.throws(() => ratio('1.01'), /--ratio must be a number from 0 to 1, got "1.01"/);
    assert.throws(() => integerOption('--seed', { min: 1 })('x'.repeat(100)), /1 or more, got "x{40}…"$/);
  });
});

describe('every numeric CLI option is validated', () => {
  const db = join(tempDir(), 'store.duckdb');
  const cases: Array<[string[], string]> = [
    [['ingest', '--db', db, '--max-line-bytes', 'abc', '-'], '--max-line-bytes'],
    [['ingest', '--db', db, '--max-reject-ratio', 'lots', '-'], '--max-reject-ratio'],
    [['ingest', '--db', db, '--follow', '--follow-interval', '0', 'x.log'], '--follow-interval'],
    [['ingest', '--db', db, '--follow', '--batch-lines', '-1', 'x.log'], '--batch-lines'],
    [['serve', '--db', db, '--port', '70000'], '--port'],
    [['demo', '--port', 'http'], '--port'],
    [['demo', '--days', 'week'], '--days'],
    [['demo', '--rate', '0'], '--rate'],
    [['demo', '--feed', '-1'], '--feed'],
    [['demo', '--seed', '1.5'], '--seed'],
  ];
  for (const [args, option] of cases) {
    it(`${args[0]} ${option} ${args[args.indexOf(option) + 1]}: exits 2 naming ${option}`, () => {
      const run = edgestat(args);
      assert.equal(run.status, 2, run.stdout + run.stderr);
      assert.match(run.stderr, new RegExp(`^edgestat: ${option} must be a`));
    });
  }

  it('--max-line-bytes is applied, not turned off: a 3 MB line is rejected with a limit of 100000', () => {
    const long = cfLine({ zone: 'z.example' }).replace('"FRA"', `"${'F'.repeat(3_000_000)}"`);
    const run = edgestat(
      ['ingest', '--db', db, '--format', 'cloudflare', '--max-line-bytes', '100000', '--json', '-'],
      `${cfLine({ zone: 'z.example' })}\n${long}\n`,
    );
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout).files[0].result;
    assert.deepEqual(
      [result.accepted, result.rejected, Object.keys(result.rejectsByReason)],
      [1, 1, ['line-too-long']],
    );
  });
});
