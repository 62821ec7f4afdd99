import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot, tempDir } from '../testing/paths.js';

const CLI = join(repoRoot, 'dist', 'cli', 'main.js');

describe('edgestat demo (npm start) on a port that is taken', () => {
  let taken: Server;
  let port: number;
  before(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen({ host: '127.0.0.1', port: 0 }, resolve));
    port = (taken.address() as { port: number }).port;
  });
  after(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  it('says how to pick another port before it touches the store', async () => {
    const db = join(tempDir(), 'demo.duckdb');
    writeFileSync(db, 'the operator kept this');
    const args = [CLI, 'demo', '--db', db, '--force', '--port', String(port), '--days', '1'];
    await assert.rejects(promisify(execFile)(process.execPath, args), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is taken.*--port`));
      return true;
    });
    assert.equal(readFileSync(db, 'utf8'), 'the operator kept this');
  });
});
