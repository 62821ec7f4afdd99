import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { newToken } from '../../auth/tokens.js';
import { seed } from '../../server/testing.js';
import { repoRoot, tempDir } from '../../testing/paths.js';
import { StoreUnavailableError } from '../store.js';
import { DuckDBStore } from './duckdb-store.js';
import { storeFault } from './faults.js';

const CLI = join(repoRoot, 'dist', 'cli', 'main.js');
const T0 = Date.UTC(2026, 10, 24, 10);

/** A store file with 3,000 rows over several blocks, closed; returns its bytes. */
async function goodFile(dir: string): Promise<Buffer> {
  const path = join(dir, 'good.duckdb');
  const store = await DuckDBStore.open(path);
  const requests = Array.from({ length: 3000 }, (_, i) => ({ zone: 'z.example', colo: `C${i}`, ts: T0 + i * 1000 }));
  await seed(store, 'k', requests);
  await store.close();
  return readFileSync(path);
}

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });
}

describe('a store file that cannot be read', () => {
  const dir = tempDir('edgestat-open-');
  const files: Record<string, (good: Buffer) => Buffer> = {
    // A copy that stopped halfway: DuckDB opens it and fails only on the first query that reads the end.
    truncated: (good) => good.subarray(0, Math.floor(good.length / 2)),
    // Header bytes overwritten: DuckDB's checksum message says "in block", which holds "lock".
    'corrupt header': (good) =>
      Buffer.concat([good.subarray(0, 4096 + 20), Buffer.alloc(180, 0x41), good.subarray(4296)]),
    'not a database': () => Buffer.from('hello, not a database\n'),
  };
  const reasons: Record<string, RegExp> = {
    truncated: /cannot be read: it is truncated \(\d+ bytes, its header counts \d+\)/,
    'corrupt header': /cannot be read: IO Error: Corrupt database file: computed checksum/,
    'not a database': /cannot be read: .*not a valid DuckDB database file/,
  };

  for (const [what, make] of Object.entries(files)) {
    it(`${what}: open refuses with the file and DuckDB's reason, never "in use"`, async () => {
      const path = join(dir, `${what.replace(' ', '-')}.duckdb`);
      writeFileSync(path, make(await goodFile(tempDir())));
      await assert.rejects(DuckDBStore.open(path), (err: Error) => {
        assert.match(err.message, reasons[what]);
        assert.ok(err.message.includes(path), err.message);
        assert.doesNotMatch(err.message, /in use/);
        return true;
      });
      for (const args of [
        ['serve', '--db', path, '--port', '0'],
        ['query', '--db', path, '--zone', 'z.example'],
        ['ingest', '--db', path, '--zone', 'z.example', '-'],
      ]) {
        const run = cli(...args);
        assert.equal(run.status, 2, `${args[0]}: ${run.stdout}${run.stderr}`);
        assert.match(run.stderr, reasons[what], args[0]);
        assert.doesNotMatch(run.stderr, /in use/);
      }
    });
  }
});

describe('store files hold token hashes', () => {
  it('creates the DuckDB file and its WAL readable by the owner only', async () => {
    const path = join(tempDir(), 'store.duckdb');
    const store = await DuckDBStore.open(path);
    await store.createToken(newToken('t', ['admin'], ['*']).record);
    assert.ok(existsSync(`${path}.wal`), 'a write leaves a WAL until the next checkpoint');
    for (const file of [path, `${path}.wal`]) assert.equal(statSync(file).mode & 0o777, 0o600, file);
    await store.close();
  });
});

describe('storeFault', () => {
  it('turns disk, IO and fatal DuckDB errors into StoreUnavailableError and leaves the rest', () => {
    const full = storeFault(new Error('Could not write file "x.wal": No space left on device'), 'x');
    assert.ok(full instanceof StoreUnavailableError);
    assert.match(full.message, /x cannot work \(the disk is full: free space, then retry\)/);
    assert.ok(
      storeFault(new Error('FATAL Error: database has been invalidated'), 'x') instanceof StoreUnavailableError,
    );
    const sql = new Error('Binder Error: column "nope" not found');
    assert.equal(storeFault(sql, 'x'), sql);
  });
});
