import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PushRejectedError, pushBatch } from './push-client.js';
import { cfLine, testApp, tokenFor } from './testing.js';

describe('pushBatch', () => {
  it('pushes a batch to a listening server, once however often it is sent', async () => {
    const t = await testApp();
    try {
      const token = await tokenFor(t.store, ['logs:write'], ['shop.example']);
      const server = await t.app.listen({ host: '127.0.0.1', port: 0 });
      const body = gzipSync([cfLine(), cfLine({ status: 404 })].join('\n'));
      const push = () => pushBatch({ server, zone: 'shop.example', body, key: 'file-1', token, format: 'cloudflare' });
      const first = await push();
      assert.deepEqual([first.accepted, first.duplicate], [2, false]);
      assert.equal((await push()).duplicate, true);
      const denied = await pushBatch({ server, zone: 'other.example', body, key: 'file-1', token }).catch((e) => e);
      assert.ok(denied instanceof PushRejectedError);
      assert.equal(denied.status, 403);
    } finally {
      await t.destroy();
    }
  });

  it('says when the server cannot be reached', async () => {
    const error = await pushBatch({
      server: 'http://127.0.0.1:9',
      zone: 'z',
      body: new Uint8Array(1),
      key: 'k',
      attempts: 1,
    }).catch((e) => e);
    assert.match(error.message, /cannot reach http:\/\/127\.0\.0\.1:9/);
  });
});
