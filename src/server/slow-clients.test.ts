import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { CF_T0, cfLine, type TestApp, testApp } from './testing.js';

const ZONE = 'shop.example';
const LOGS = `/api/v1/zones/${ZONE}/logs?format=cloudflare`;
const RANGE = 'from=2026-11-24T10:00:00Z&to=2026-11-24T11:00:00Z';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function batch(n: number, offsetMs: number): string {
  return Array.from({ length: n }, (_, i) => `${cfLine({ ts: CF_T0 + offsetMs + i * 1000 })}\n`).join('');
}

interface RawClient {
  socket: Socket;
  /** Resolves when the first bytes of an answer arrive. */
  answered: Promise<void>;
  /** Resolves when the server has closed the connection: after how long, and what it answered. */
  closed: Promise<{ ms: number; answer: string }>;
}

/** A client on a real socket that sends `head` and then only what the test writes. */
function rawClient(port: number, head: string): RawClient {
  const started = performance.now();
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  socket.setEncoding('latin1');
  const answered = new Promise<void>((resolve) => {
    socket.on('data', (data: string) => {
      answer += data;
      resolve();
    });
  });
  const closed = new Promise<{ ms: number; answer: string }>((resolve) => {
    socket.on('close', () => resolve({ ms: performance.now() - started, answer }));
    socket.on('error', () => {});
  });
  if (head) socket.write(head);
  return { socket, answered, closed };
}

const pushHead = (port: number, length: number) =>
  `POST ${LOGS} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${length}\r\n\r\n`;

describe('slow clients on a listening server', () => {
  const HEADERS_MS = 1000;
  const REQUEST_MS = 2000;
  const KEEP_ALIVE_MS = 1000;
  // Node checks for expired requests every quarter of the headers timeout here; the rest is scheduling.
  const SLACK_MS = 750;
  let t: TestApp;
  let port: number;
  let base: string;
  before(async () => {
    t = await testApp({
      limits: {
        concurrentIngests: 2,
        headersSeconds: HEADERS_MS / 1000,
        requestSeconds: REQUEST_MS / 1000,
        keepAliveSeconds: KEEP_ALIVE_MS / 1000,
      },
    });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as { port: number }).port;
    base = `http://127.0.0.1:${port}`;
  });
  after(() => t.destroy());

  const total = async () => (await t.app.inject(`/api/v1/zones/${ZONE}/summary?${RANGE}`)).json().requests;

  it('lets a normal push through while 4 clients send their bodies 1 byte per second, then cuts them off', async () => {
    const slowBody = batch(5, 0);
    const slow = Array.from({ length: 4 }, () => rawClient(port, pushHead(port, slowBody.length)));
    let sent = 0;
    const drip = setInterval(() => {
      for (const client of slow) client.socket.write(slowBody[sent]);
      sent++;
    }, 1000);
    try {
      for (const client of slow) client.socket.write(slowBody[0]);
      await sleep(300);
      // Twice limits.concurrentIngests slow pushes are mid-body: none holds an ingest slot.
      assert.equal(t.inFlight.size, 0);
      const started = performance.now();
      const res = await fetch(`${base}${LOGS}`, { method: 'POST', body: batch(3, 600_000) });
      const ms = performance.now() - started;
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal((await res.json()).accepted, 3);
      // Answered while the slow pushes were still sending, not once they were cut off.
      assert.ok(ms < REQUEST_MS / 2, `the normal push took ${ms} ms`);
      assert.ok(
        slow.every((c) => !c.socket.destroyed),
        'the slow clients were still connected',
      );
      for (const { ms: after, answer } of await Promise.all(slow.map((c) => c.closed))) {
        assert.match(answer, /^HTTP\/1\.1 408 /);
        assert.ok(after >= REQUEST_MS - 50 && after < REQUEST_MS + SLACK_MS, `cut off after ${after} ms`);
      }
    } finally {
      clearInterval(drip);
    }
    assert.equal(await total(), 3, 'only the normal push was committed');
  });

  it('closes a connection that stalls in its headers after limits.headersSeconds', async () => {
    const client = rawClient(port, `POST ${LOGS} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
    const { ms, answer } = await client.closed;
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.ok(ms >= HEADERS_MS - 50 && ms < HEADERS_MS + SLACK_MS, `closed after ${ms} ms`);
  });

  it('closes a connection that sends nothing after limits.headersSeconds', async () => {
    const { ms } = await rawClient(port, '').closed;
    assert.ok(ms >= HEADERS_MS - 50 && ms < HEADERS_MS + SLACK_MS, `closed after ${ms} ms`);
  });

  it('closes a connection that stalls in its body after limits.requestSeconds, committing nothing', async () => {
    const before = await total();
    const body = batch(4, 900_000);
    const client = rawClient(port, pushHead(port, body.length) + body.slice(0, body.length - 10));
    const { ms, answer } = await client.closed;
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.ok(ms >= REQUEST_MS - 50 && ms < REQUEST_MS + SLACK_MS, `closed after ${ms} ms`);
    assert.equal(await total(), before);
  });

  it('closes an idle keep-alive connection after limits.keepAliveSeconds', async () => {
    const client = rawClient(port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    await client.answered;
    const answered = performance.now();
    const { answer } = await client.closed;
    const idle = performance.now() - answered;
    assert.match(answer, /^HTTP\/1\.1 200 /);
    assert.match(answer, /\r\nKeep-Alive: timeout=1\r\n/i);
    // Node waits 1 s past the announced timeout, so that a client reusing the connection at
    // the last moment is not cut off mid-request.
    const grace = 1000;
    assert.ok(
      idle >= KEEP_ALIVE_MS - 100 && idle < KEEP_ALIVE_MS + grace + SLACK_MS,
      `closed after ${idle} ms idle (grace ${grace} ms)`,
    );
  });
});

describe('push bodies held in memory', () => {
  /** A body that sends `first`, then waits for the test to let it finish. */
  function pausedBody(first: string, rest: string) {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stream = Readable.from(
      (async function* () {
        yield Buffer.from(first);
        await released;
        yield Buffer.from(rest);
      })(),
    );
    return { stream, release };
  }

  it('answers 503 busy past limits.concurrentBodies and limits.bufferedBytes, and takes bodies again once they are done', async () => {
    const t = await testApp({ limits: { concurrentBodies: 2, bufferedBytes: 64 * 1024, retryAfterSeconds: 4 } });
    try {
      const post = (payload: string | Buffer | Readable) =>
        t.app.inject({ method: 'POST', url: LOGS, payload, headers: { 'content-type': 'application/x-ndjson' } });
      const a = pausedBody(batch(2, 0), batch(2, 2000));
      const b = pausedBody(batch(2, 4000), batch(2, 6000));
      const pending = [post(a.stream), post(b.stream)];
      while (t.bodies.held.bodies < 2) await sleep(5);
      assert.equal(t.inFlight.size, 0, 'a body being received holds no ingest slot');
      const third = await post(batch(1, 10_000));
      assert.equal(third.statusCode, 503);
      assert.equal(third.headers['retry-after'], '4');
      assert.equal(third.json().error.code, 'busy');
      assert.match(third.json().error.message, /limits\.concurrentBodies/);
      a.release();
      b.release();
      for (const res of await Promise.all(pending)) assert.equal(res.json().accepted, 4);
      assert.deepEqual(t.bodies.held, { bodies: 0, bytes: 0 }, 'answered bodies are let go');

      // Content-Length beyond what the memory budget can hold: refused before reading.
      const large = await post(batch(400, 20_000));
      assert.ok(Buffer.byteLength(batch(400, 20_000)) > 64 * 1024);
      assert.equal(large.statusCode, 503);
      assert.match(large.json().error.message, /limits\.bufferedBytes/);
      // Without a Content-Length: refused once the bytes received pass the budget.
      const streamed = await post(Readable.from([Buffer.from(batch(400, 20_000))]));
      assert.equal(streamed.statusCode, 503);
      assert.match(streamed.json().error.message, /limits\.bufferedBytes/);
      assert.equal((await post(batch(1, 10_000))).json().accepted, 1);
      const summary = await t.app.inject(`/api/v1/zones/${ZONE}/summary?${RANGE}`);
      assert.equal(summary.json().requests, 9);
      assert.deepEqual(t.bodies.held, { bodies: 0, bytes: 0 }, 'refused bodies are let go');
    } finally {
      await t.destroy();
    }
  });
});
