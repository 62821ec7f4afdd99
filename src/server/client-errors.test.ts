import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ERROR_STATUS } from './errors.js';
import { cfLine, type TestApp, testApp } from './testing.js';

/** Sends raw bytes on a real socket and returns the status line's code and the JSON body. */
function rawRequest(port: number, bytes: string): Promise<{ status: number; body: { error: { code: string } } }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1]);
      resolve({ status, body: JSON.parse(data.slice(data.indexOf('\r\n\r\n') + 4)) });
    });
  });
}

/** Asserts the documented error shape with a known code whose status is the answer's. */
function assertErrorShape(status: number, body: { error: { code: string; message?: unknown } }, code: string) {
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.equal(ERROR_STATUS[code as keyof typeof ERROR_STATUS], status);
}

describe('client errors are 4xx in the documented shape', () => {
  let t: TestApp;
  let port: number;
  before(async () => {
    t = await testApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
  });
  after(() => t.destroy());

  for (const [what, body] of [
    ['text without a known format', 'hello world\nhello again\n'],
    ['JSON arrays', '[1,2,3]\n["a"]\n'],
    ['blank lines only', '   \n\t\n'],
  ]) {
    it(`pushing ${what} with format=auto is 400 unknown_format saying what was tried`, async () => {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/zones/z.example/logs', payload: body });
      assert.equal(res.statusCode, 400);
      assertErrorShape(400, res.json(), 'unknown_format');
      assert.equal(res.json().error.param, 'format');
      assert.match(res.json().error.message, /cannot detect the format.*format=/);
    });
  }

  for (const [param, value] of [
    ['from', '-99999999999w'],
    ['from', `-${'9'.repeat(400)}s`],
    ['to', `-${'9'.repeat(30)}d`],
    ['from', '99999-01-01'],
    ['from', '0000-01-01'],
    ['to', '9999999999999'.replace(/^9/, '99')],
    ['from', '1969-12-31T23:59:59Z'],
  ]) {
    it(`${param}=${value.slice(0, 20)} is 400 bad_parameter naming ${param} on every query route`, async () => {
      for (const route of ['status-codes', 'summary', 'colos']) {
        const res = await t.app.inject(`/api/v1/zones/z.example/${route}?${param}=${encodeURIComponent(value)}`);
        assert.equal(res.statusCode, 400, `${route}: ${res.body}`);
        assertErrorShape(400, res.json(), 'bad_parameter');
        assert.equal(res.json().error.param, param);
        assert.ok(res.json().error.message.length < 400, 'the message quotes a long value cut short');
      }
    });
  }

  it('accepts the extremes of the range: 1970 and 9999-12-31', async () => {
    const res = await t.app.inject('/api/v1/zones/z.example/summary?from=1970-01-01&to=9999-12-31T23:00:00Z');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().to, '9999-12-31T23:00:00.000Z');
  });

  const cases: Array<[string, string, number, string]> = [
    ['a URL that cannot be decoded', 'GET /% HTTP/1.1\r\nHost: localhost\r\n\r\n', 400, 'bad_url'],
    [
      'broken percent-encoding',
      'GET /api/v1/zones/%E0%A4%A/summary HTTP/1.1\r\nHost: localhost\r\n\r\n',
      400,
      'bad_url',
    ],
    ['a URL of 20 KB', `GET /healthz?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`, 414, 'uri_too_long'],
    [
      'a path segment of 1,000 characters',
      `GET /api/v1/zones/${'a'.repeat(1000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`,
      414,
      'uri_too_long',
    ],
    [
      'headers of 20 KB',
      `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-A: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'headers_too_large',
    ],
    ['a method HTTP does not know', 'FROB /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n', 405, 'method_not_allowed'],
    [
      'a method no route takes',
      'DELETE /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
      404,
      'not_found',
    ],
    [
      'malformed JSON on PUT',
      'PUT /api/v1/zones/z.example HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{bad}',
      400,
      'bad_body',
    ],
    [
      'a body type the route does not read',
      'PUT /api/v1/zones/z.example HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: 4\r\nConnection: close\r\n\r\n<a/>',
      415,
      'unsupported_media_type',
    ],
    ['bytes that are not HTTP', 'GET / HTTP/1.1\r\nHost x\r\n\r\n', 400, 'bad_request'],
  ];
  for (const [what, bytes, status, code] of cases) {
    it(`answers ${what} with ${status} ${code}`, async () => {
      const res = await rawRequest(port, bytes);
      assert.equal(res.status, status);
      assertErrorShape(status, res.body, code);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.status, 200);
    });
  }

  it('reaches a zone of 255 characters through the API, and refuses 256 with the rule', async () => {
    const zone = `${'a'.repeat(243)}.example.com`;
    assert.equal(zone.length, 255);
    const push = await t.app.inject({
      method: 'POST',
      url: `/api/v1/zones/${zone}/logs?format=cloudflare`,
      payload: `${cfLine({ zone })}\n`,
    });
    assert.equal(push.statusCode, 200, push.body);
    assert.equal(push.json().accepted, 1);
    const summary = await t.app.inject(`/api/v1/zones/${zone}/summary?from=2026-11-24&to=2026-11-25`);
    assert.equal(summary.statusCode, 200);
    assert.equal(summary.json().requests, 1);
    const long = await t.app.inject(`/api/v1/zones/a${zone}/summary`);
    assert.equal(long.statusCode, 400);
    assertErrorShape(400, long.json(), 'bad_parameter');
  });

  it('rejects a pushed line whose zone breaks the rule with reason bad-zone, and keeps the others', async () => {
    const bad = 'bad zone<script>';
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/zones/ok.example/logs?format=cloudflare',
      payload: `${cfLine({ zone: 'ok.example' })}\n${cfLine({ zone: bad })}\n${cfLine({ zone: 'x'.repeat(256) })}\n`,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().accepted, 1);
    assert.deepEqual(
      res.json().rejects.map((r: { line: number; reason: string }) => [r.line, r.reason]),
      [
        [2, 'bad-zone'],
        [3, 'bad-zone'],
      ],
    );
    assert.match(res.json().rejects[0].detail, /letters, digits/);
  });
});
