import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { runQuery } from '../query/run.js';
import { pushBatch } from '../server/push-client.js';
import { CF_T0, cfLine, type TestApp, testApp } from '../server/testing.js';
import { fileKey } from '../sources/files.js';
import { repoRoot } from '../testing/paths.js';

const run = promisify(execFile);
const CLI = join(repoRoot, 'dist', 'cli', 'main.js');

describe('edgestat ingest --server (while serve holds the store)', () => {
  let t: TestApp;
  let url: string;
  before(async () => {
    t = await testApp();
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => t.destroy());

  const total = async () =>
    (
      await runQuery(t.store, {
        zone: 'shop.example',
        from: CF_T0 - 3_600_000,
        to: CF_T0 + 86_400_000,
        bucket: '1d',
        by: [],
      })
    ).rows.reduce((sum, r) => sum + r.requests, 0);

  it('pushes a file in batches, and pushing it again counts nothing twice', async () => {
    // About 6 MiB: more than one 4 MiB batch.
    const lines = Array.from({ length: 30_000 }, (_, i) => cfLine({ ts: CF_T0 + i * 1000 }));
    lines.splice(1000, 0, '{"broken');
    const file = join(t.dir, 'big.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const args = [CLI, 'ingest', '--server', url, '--zone', 'shop.example', '--json', file];
    const first = JSON.parse((await run(process.execPath, args)).stdout).files[0];
    assert.equal(first.result.accepted, 30_000);
    assert.equal(first.result.rejected, 1);
    assert.equal(first.result.samples[0].line, 1001);
    assert.equal(await total(), 30_000);
    const again = JSON.parse((await run(process.execPath, args)).stdout).files[0];
    assert.match(again.skipped, /already ingested/);
    assert.equal(await total(), 30_000);
  });

  it('says clearly when a batch was pushed before with other lines (409), and counts nothing of it', async () => {
    const file = join(t.dir, 'conflict.ndjson');
    writeFileSync(file, `${Array.from({ length: 40 }, (_, i) => cfLine({ ts: CF_T0 + i * 1000 })).join('\n')}\n`);
    // An earlier push cut the same file differently: its first batch under the same key holds other lines.
    const earlier = await pushBatch({
      server: url,
      zone: 'shop.example',
      key: `${await fileKey(file)}:0`,
      format: 'cloudflare',
      body: Buffer.from(`${cfLine({ ts: CF_T0, status: 503 })}\n`),
    });
    assert.equal(earlier.duplicate, false);
    const before = await total();
    const args = [CLI, 'ingest', '--server', url, '--zone', 'shop.example', '--json', file];
    const failed = await run(process.execPath, args).then(
      () => assert.fail('ingest --server succeeded'),
      (err: { code: number; stdout: string }) => err,
    );
    assert.equal(failed.code, 1);
    const error: string = JSON.parse(failed.stdout).files[0].error;
    assert.match(error, /batch 1 \(key ".*:0"\) was pushed before with other lines/);
    assert.match(error, /409 idempotency_conflict/);
    assert.match(error, /The 0 lines before it are in the store, this batch and the rest of the input are not/);
    assert.equal(await total(), before);
  });

  it('needs --zone', async () => {
    await assert.rejects(run(process.execPath, [CLI, 'ingest', '--server', url, 'x.log']), /--server needs --zone/);
  });
});
