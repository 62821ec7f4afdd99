import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { parseConfig } from '../config/config.js';
import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import { tempDir } from '../testing/paths.js';
import { buildApp } from './app.js';
import { REDACTED, redactUrl } from './redact.js';

describe('redactUrl', () => {
  it('hides the values of credential-bearing query parameters, whatever their case, and keeps the rest', () => {
    assert.equal(
      redactUrl('/api/v1/zones/z/logs?header_Authorization=Bearer%20es_abc&format=cloudflare'),
      `/api/v1/zones/z/logs?header_Authorization=${REDACTED}&format=cloudflare`,
    );
    assert.equal(
      redactUrl('/x?TOKEN=1&access_token=2&Authorization=3&a=b&header_X-Api-Key=4&header%5FAuthorization=5'),
      `/x?TOKEN=${REDACTED}&access_token=${REDACTED}&Authorization=${REDACTED}&a=b&header_X-Api-Key=${REDACTED}&header%5FAuthorization=${REDACTED}`,
    );
    assert.equal(redactUrl('/healthz'), '/healthz');
    assert.equal(redactUrl('/x?%E0%A4%A=1&token'), `/x?%E0%A4%A=1&token=${REDACTED}`);
  });
});

describe('the request log', () => {
  it('never holds a token sent in the URL, as Logpush sends it', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const dir = tempDir();
    const store = await DuckDBStore.open(join(dir, 'store.duckdb'));
    const { app } = await buildApp({
      store,
      config: parseConfig({ webRoot: join(dir, 'no-web') }),
      logger: { level: 'info', stream },
    });
    const secret = 'es_SuperSecretValue123';
    await app.inject({
      method: 'POST',
      url: `/api/v1/zones/z.example/logs?header_Authorization=Bearer%20${secret}&format=cloudflare`,
      payload: 'not json\n',
    });
    await app.inject(`/api/v1/zones/z.example/summary?access_token=${secret}`);
    await app.inject(`/nope?token=${secret}`);
    await app.close();
    await store.close();
    const log = lines.join('');
    assert.ok(log.includes('incoming request'), 'requests are logged');
    assert.ok(log.includes(`header_Authorization=${REDACTED}&format=cloudflare`), log);
    assert.ok(!log.includes('SuperSecret'), log);
  });
});
