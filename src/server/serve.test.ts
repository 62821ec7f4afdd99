import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { repoRoot, tempDir } from '../testing/paths.js';
import { freePort } from '../testing/ports.js';
import { cfLine } from './testing.js';

const CLI = join(repoRoot, 'dist/cli/main.js');
const ZONE = 'shop.example';
const run = promisify(execFile);

/** Runs an edgestat command to its end. */
function edgestat(...args: string[]) {
  return run(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

interface Server {
  child: ChildProcess;
  base: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `edgestat serve` as a child process and waits until /healthz answers. */
async function serve(db: string, extra: string[] = [], logLevel = 'warn'): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', '--db', db, '--port', String(port), ...extra], {
    env: { ...process.env, EDGESTAT_LOG_LEVEL: logLevel },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${output}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`serve did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, base, output: () => output, exited };
}

async function stop(server: Server, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill(signal);
  return server.exited;
}

async function totalRequests(base: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${base}/api/v1/zones/${ZONE}/summary?from=2026-01-01&to=2027-01-01`, { headers });
  return (await res.json()).requests;
}

/**
 * `senders` concurrent clients push `batches` gzip batches (batch b: `lines` lines, `lineMs`
 * apart, after batch b-1) to a serve process on `db`, which is SIGKILLed once `killAt` are
 * acknowledged. After a restart every acknowledged batch is there whole and the others whole or
 * absent; once the clients retry what was not acknowledged, every request counts exactly once.
 */
async function killMidPush(
  db: string,
  options: { batches: number; lines: number; lineMs: number; senders: number; killAt: number },
): Promise<void> {
  const { batches, lines, lineMs, senders, killAt } = options;
  const t0 = Date.UTC(2026, 10, 24, 0, 0);
  const batchMs = lines * lineMs;
  const bodies = Array.from({ length: batches }, (_, b) =>
    gzipSync(
      Array.from({ length: lines }, (_, i) =>
        cfLine({ ts: t0 + b * batchMs + i * lineMs, status: [200, 404, 503, 200][i % 4] }),
      ).join('\n'),
    ),
  );
  const acked = new Set<number>();
  let server = await serve(db);
  let killed = false;
  const send = async (b: number, base: string) => {
    const res = await fetch(`${base}/api/v1/zones/${ZONE}/logs?format=cloudflare`, {
      method: 'POST',
      body: bodies[b],
      headers: { 'idempotency-key': `batch-${b}`, 'content-encoding': 'gzip' },
    });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    await res.json();
    acked.add(b);
  };
  // The senders stream batches until the server dies under them.
  const pending = Array.from({ length: batches }, (_, b) => b);
  const sender = async () => {
    for (let b = pending.shift(); b !== undefined; b = pending.shift()) {
      if (!killed && acked.size >= killAt) {
        killed = true;
        server.child.kill('SIGKILL');
      }
      await send(b, server.base).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: senders }, sender));
  assert.ok(killed, 'the server was killed mid-stream');
  const ackedBeforeKill = acked.size;
  assert.ok(ackedBeforeKill >= killAt && ackedBeforeKill < batches, `${ackedBeforeKill} acknowledged before the kill`);
  await server.exited;

  server = await serve(db);
  try {
    // Every batch covers its own span: acknowledged ones survived whole, the others are whole or absent.
    for (let b = 0; b < batches; b++) {
      const range = `from=${t0 + b * batchMs}&to=${t0 + (b + 1) * batchMs}`;
      const stored = (await (await fetch(`${server.base}/api/v1/zones/${ZONE}/summary?${range}`)).json()).requests;
      if (acked.has(b)) assert.equal(stored, lines, `acknowledged batch ${b} survived`);
      else assert.ok(stored === 0 || stored === lines, `batch ${b} is whole or absent, not ${stored}`);
    }
    // The clients retry what was not acknowledged, all at once.
    await Promise.all(
      Array.from({ length: batches }, (_, b) => b)
        .filter((b) => !acked.has(b))
        .map((b) => send(b, server.base)),
    );
    assert.equal(acked.size, batches);
    assert.equal(await totalRequests(server.base), batches * lines);
  } finally {
    assert.equal(await stop(server), 0);
  }
}

type LiveEvent = { t: string; rows: Array<{ status: number; requests: number; colo?: string }> };

/** Opens a live stream and collects its `minute` events. */
async function liveEvents(base: string): Promise<{ events: LiveEvent[]; contentType: string; close: () => void }> {
  const events: LiveEvent[] = [];
  const live = httpRequest(`${base}/api/v1/zones/${ZONE}/live`);
  const contentType = await new Promise<string>((resolve, reject) => {
    live.on('error', reject);
    live.on('response', (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(frame);
          if (/^event: minute$/m.test(frame) && data) events.push(JSON.parse(data[1]));
        }
      });
      resolve(String(res.headers['content-type']));
    });
    live.end();
  });
  return { events, contentType, close: () => live.destroy() };
}

describe('edgestat serve (a real process)', () => {
  it('refuses a non-loopback address without tokens, and starts on one once a token exists', async () => {
    const db = join(tempDir(), 'open.duckdb');
    const refused = await edgestat('serve', '--db', db, '--host', '0.0.0.0', '--port', '0').catch((e) => e);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /refusing to listen on 0\.0\.0\.0: the store has no API tokens/);

    const open = await serve(db, [], 'info');
    assert.match(open.output(), /running open/);
    assert.equal((await fetch(`${open.base}/api/v1/zones`)).status, 200);
    assert.equal(await stop(open), 0);

    const created = await edgestat(
      'token',
      'create',
      '--db',
      db,
      '--name',
      'ci',
      '--scope',
      'analytics:read',
      '--zone',
      '*',
    );
    const secret = /^(es_\S+)$/m.exec(created.stdout)![1];
    const listed = await edgestat('token', 'list', '--db', db);
    assert.match(listed.stdout, /ci\s+analytics:read\s+\*/);
    assert.ok(!listed.stdout.includes(secret));

    const guarded = await serve(db, ['--host', '0.0.0.0']);
    try {
      assert.equal((await fetch(`${guarded.base}/api/v1/zones`)).status, 401);
      const ok = await fetch(`${guarded.base}/api/v1/zones`, { headers: { authorization: `Bearer ${secret}` } });
      assert.equal(ok.status, 200);
    } finally {
      await stop(guarded);
    }
    const id = /^(tok_\w+)/m.exec(listed.stdout.split('\n').slice(2).join('\n'))![1];
    assert.match((await edgestat('token', 'revoke', id, '--db', db)).stdout, /revoked/);
    assert.match((await edgestat('zone', 'set', ZONE, '--plan', 'pro', '--db', db)).stdout, /plan pro \(without/);
    assert.match((await edgestat('zone', 'list', '--db', db)).stdout, /shop\.example\s+pro/);
  });

  it('shows a pushed request in the query API within 1 s, and live as Server-Sent Events', async () => {
    const db = join(tempDir(), 'live.duckdb');
    const server = await serve(db);
    try {
      const first = await liveEvents(server.base);
      const { events } = first;
      assert.match(first.contentType, /^text\/event-stream/);
      while (events.length === 0) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(events[0].rows, []);

      const now = Date.now();
      const body = [200, 200, 404].map((status, i) => cfLine({ ts: now + i, status, colo: 'AMS' })).join('\n');
      const started = performance.now();
      const pushed = await fetch(`${server.base}/api/v1/zones/${ZONE}/logs?format=cloudflare`, {
        method: 'POST',
        body,
      });
      assert.equal(pushed.status, 200);
      const visible = await fetch(
        `${server.base}/api/v1/zones/${ZONE}/summary?from=${new Date(now - 60_000).toISOString()}&to=now`,
      );
      const elapsed = performance.now() - started;
      assert.equal((await visible.json()).requests, 3);
      assert.ok(elapsed < 1000, `visible after ${elapsed} ms`);

      const minute = new Date(now - (now % 60_000)).toISOString();
      const deadline = Date.now() + 2000;
      const latest = () => events.filter((e) => e.t === minute).at(-1);
      while (!latest()?.rows.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const rows = latest()!.rows.map((r) => [r.status, r.colo, r.requests]);
      assert.deepEqual(rows.sort(), [
        [200, 'AMS', 2],
        [404, 'AMS', 1],
      ]);
      first.close();

      // Below enterprise the live rows leave out the data center.
      const put = await fetch(`${server.base}/api/v1/zones/${ZONE}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ plan: 'free' }),
      });
      assert.equal(put.status, 200);
      const free = await liveEvents(server.base);
      while (free.events.length === 0) await new Promise((r) => setTimeout(r, 20));
      free.close();
      if (free.events[0].t === minute) {
        assert.deepEqual(free.events[0].rows.map((r) => [r.status, r.colo, r.requests]).sort(), [
          [200, undefined, 2],
          [404, undefined, 1],
        ]);
      }
    } finally {
      assert.equal(await stop(server), 0);
    }
  });

  it('loses no acknowledged batch to SIGKILL, and counts every request once after client retries', () =>
    // Four senders of 60 batches; one line a second: each batch fills 8 whole minutes.
    killMidPush(join(tempDir(), 'kill.duckdb'), { batches: 60, lines: 480, lineMs: 1000, senders: 4, killAt: 15 }));

  it('loses no acknowledged batch to SIGKILL while 60 agents push small batches (group commit), exactly once after retries', () =>
    // 60 agents of 5 batches; one line every 300 ms: batch b fills minute b exactly.
    killMidPush(join(tempDir(), 'fleet-kill.duckdb'), {
      batches: 300,
      lines: 200,
      lineMs: 300,
      senders: 60,
      killAt: 100,
    }));

  it('finishes an in-flight batch on SIGTERM before it exits', async () => {
    const db = join(tempDir(), 'term.duckdb');
    const server = await serve(db);
    const lines = Array.from({ length: 100 }, (_, i) => cfLine({ ts: Date.UTC(2026, 10, 24) + i * 1000 }));
    let release!: () => void;
    const slow = Readable.from(
      (async function* () {
        yield Buffer.from(`${lines.slice(0, 50).join('\n')}\n`);
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        yield Buffer.from(`${lines.slice(50).join('\n')}\n`);
      })(),
    );
    const response = fetch(`${server.base}/api/v1/zones/${ZONE}/logs?format=cloudflare`, {
      method: 'POST',
      body: Readable.toWeb(slow) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    while (!release) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(server.child.exitCode, null, 'still running while a batch is in flight');
    release();
    const res = await response;
    assert.equal(res.status, 200);
    assert.equal((await res.json()).accepted, 100);
    assert.equal(await server.exited, 0);
    const again = await serve(db);
    try {
      assert.equal(await totalRequests(again.base), 100);
    } finally {
      await stop(again);
    }
  });
});
