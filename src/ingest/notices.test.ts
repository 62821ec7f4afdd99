import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NGINX_NO_UPSTREAM_NOTICE } from '../parsers/nginx.js';
import { cfLine, type TestApp, testApp } from '../server/testing.js';
import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import { repoRoot, tempDir } from '../testing/paths.js';
import { ingest } from './pipeline.js';

const combined = (i: number, status: number) =>
  `198.51.100.${i % 250} - - [24/Nov/2026:10:00:${String(i % 60).padStart(2, '0')} +0000] "GET /${i} HTTP/1.1" ${status} 10 "-" "curl/8"`;
const nginxLines = (count: number) =>
  `${Array.from({ length: count }, (_, i) => combined(i, i % 7 === 0 ? 502 : 200)).join('\n')}\n`;

async function* once(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

describe('formats that cannot tell edge from origin say so once per ingest', () => {
  for (const [format, workers] of [
    ['nginx', 1],
    ['auto', 1],
    ['nginx', 2],
  ] as const) {
    it(`nginx combined (${format}, ${workers} thread${workers > 1 ? 's' : ''}): the result carries the notice`, async () => {
      const store = await DuckDBStore.open(join(tempDir(), 'notices.duckdb'));
      const result = await ingest(store, once(nginxLines(50)), {
        format,
        parser: { zone: 'shop.example' },
        input: 'test',
        workers,
      });
      assert.equal(result.format, 'nginx');
      assert.equal(result.accepted, 50);
      assert.deepEqual(result.notices, [NGINX_NO_UPSTREAM_NOTICE]);
      await store.close();
    });
  }

  it('cloudflare and nginx with upstream variables carry none', async () => {
    const store = await DuckDBStore.open(join(tempDir(), 'notices.duckdb'));
    const cf = await ingest(store, once(`${cfLine()}\n`), { format: 'auto', input: 'test' });
    const upstream = await ingest(store, once('1795514400.000 a.example 502 502\n'), {
      format: 'nginx',
      parser: { nginxLogFormat: '$msec $host $status $upstream_status' },
      input: 'test',
    });
    assert.deepEqual([cf.format, cf.notices, upstream.accepted, upstream.notices], ['cloudflare', [], 1, []]);
    await store.close();
  });

  it('the CLI ingest summary prints it', () => {
    const dir = tempDir();
    const file = join(dir, 'access.log');
    writeFileSync(file, nginxLines(20));
    const run = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'dist', 'cli', 'main.js'),
        'ingest',
        '--db',
        join(dir, 'cli.duckdb'),
        '--zone',
        'shop.example',
        file,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /accepted\s+20\n/);
    assert.ok(run.stdout.includes(`  note: ${NGINX_NO_UPSTREAM_NOTICE}\n`), run.stdout);
  });

  it('follow mode says it once per file, not once per batch', async () => {
    const dir = tempDir();
    const file = join(dir, 'access.log');
    writeFileSync(file, nginxLines(20));
    const args = ['ingest', '--follow', '--follow-interval', '50', '--format', 'nginx', '--zone', 'shop.example'];
    const child = spawn(process.execPath, [
      join(repoRoot, 'dist', 'cli', 'main.js'),
      ...args,
      '--db',
      join(dir, 'f.duckdb'),
      file,
    ]);
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const batches = () => stderr.match(/accepted/g)?.length ?? 0;
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 400 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
      assert.ok(done(), stderr);
    };
    await until(() => batches() >= 1);
    appendFileSync(file, nginxLines(5));
    await until(() => batches() >= 2);
    child.kill('SIGTERM');
    await exited;
    assert.equal(stderr.split(`access.log: note: ${NGINX_NO_UPSTREAM_NOTICE}\n`).length - 1, 1, stderr);
  });

  describe('the push answer', () => {
    let t: TestApp;
    before(async () => {
      t = await testApp();
    });
    after(() => t.destroy());

    it('nginx (combined over push) answers the notice; cloudflare answers an empty list', async () => {
      const push = (query: string, payload: string) =>
        t.app.inject({ method: 'POST', url: `/api/v1/zones/shop.example/logs?${query}`, payload });
      const nginx = await push('format=nginx', nginxLines(10));
      assert.equal(nginx.statusCode, 200, nginx.body);
      assert.deepEqual([nginx.json().accepted, nginx.json().notices], [10, [NGINX_NO_UPSTREAM_NOTICE]]);
      const cf = await push('format=cloudflare', `${cfLine()}\n`);
      assert.equal(cf.statusCode, 200, cf.body);
      assert.deepEqual(cf.json().notices, []);
    });

    it('edgestat ingest --server prints the notice the server answered', async () => {
      const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
      const file = join(tempDir(), 'remote.log');
      writeFileSync(file, nginxLines(15).replaceAll('GET /', 'GET /remote/'));
      const args = ['ingest', '--server', url, '--zone', 'shop.example', '--format', 'nginx', file];
      const run = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn(process.execPath, [join(repoRoot, 'dist', 'cli', 'main.js'), ...args]);
        let stdout = '';
        child.stdout.on('data', (chunk) => {
          stdout += chunk;
        });
        child.on('exit', (code) => resolve({ code, stdout }));
      });
      assert.equal(run.code, 0, run.stdout);
      assert.match(run.stdout, /accepted\s+15\n/);
      assert.ok(run.stdout.includes(`  note: ${NGINX_NO_UPSTREAM_NOTICE}\n`), run.stdout);
    });
  });
});
