import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig } from '../config/config.js';
import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import { tempDir } from '../testing/paths.js';
import { buildApp } from './app.js';

describe('live view', () => {
  it('logs why it ended a stream when the store fails to answer', async () => {
    const dir = tempDir();
    const store = await DuckDBStore.open(join(dir, 'live.duckdb'));
    const logged: Array<{ level: number; msg: string; zone?: string; err?: { message: string } }> = [];
    const { app } = await buildApp({
      store,
      config: parseConfig({ livePollMs: 100, webRoot: join(dir, 'no-web') }),
      logger: { level: 'warn', stream: { write: (line: string) => logged.push(JSON.parse(line)) } },
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const ended = new Promise<string>((resolve, reject) => {
        const live = httpRequest(`${base}/api/v1/zones/shop.example/live`);
        live.on('error', reject);
        live.on('response', (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
            // The first minute arrived: now the store goes away under the open stream.
            if (body.includes('event: minute')) void store.close();
          });
          res.on('close', () => resolve(body));
        });
        live.end();
      });
      const body = await ended;
      assert.match(body, /event: minute/);
      const entry = logged.find((l) => l.msg === 'live view ended: the store failed to answer');
      assert.ok(entry, `no log entry; logged: ${JSON.stringify(logged)}`);
      assert.equal(entry.zone, 'shop.example');
      assert.ok(entry.err?.message);
    } finally {
      await app.close();
    }
  });
});
