import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { cfLine, type TestApp, testApp } from './testing.js';

const T0 = Date.UTC(2026, 10, 24, 10, 0);
const ZONE = 'shop.example';
const AGENTS = 100;
const BATCHES = 5;
const LINES = 200;

/** Batch `b` of agent `a`: 200 lines, statuses by line, one per 100 ms from its own start. */
function agentBatch(a: number, b: number): Buffer {
  const start = T0 + (a * BATCHES + b) * LINES * 100;
  const lines = Array.from({ length: LINES }, (_, i) =>
    cfLine({ ts: start + i * 100, status: [200, 404, 502][i % 3] }),
  );
  return gzipSync(`${lines.join('\n')}\n`);
}

describe('push ingest by a fleet of agents (group commit)', () => {
  let t: TestApp;
  let base: string;
  before(async () => {
    t = await testApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  });
  after(() => t.destroy());

  const total = async () =>
    (await t.app.inject(`/api/v1/zones/${ZONE}/summary?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z`)).json()
      .requests as number;
  const commits = async () => {
    const metrics = (await t.app.inject('/metrics')).body;
    return Number(/edgestat_store_write_duration_seconds_count\{op="commit"\} (\d+)/.exec(metrics)?.[1] ?? 0);
  };
  const send = (body: Buffer | string, key: string, zone = ZONE) =>
    fetch(`${base}/api/v1/zones/${zone}/logs?format=cloudflare`, {
      method: 'POST',
      body: typeof body === 'string' ? body : new Uint8Array(body),
      headers: { 'content-encoding': typeof body === 'string' ? 'identity' : 'gzip', 'idempotency-key': key },
    });

  it(`acknowledges ${AGENTS} concurrent agents' batches with default limits, in far fewer store transactions, counting each line once`, async () => {
    const before = await total();
    const commitsBefore = await commits();
    const agent = async (a: number) => {
      for (let b = 0; b < BATCHES; b++) {
        const res = await send(agentBatch(a, b), `agent-${a}-${b}`);
        assert.equal(res.status, 200, await res.clone().text());
        assert.equal((await res.json()).accepted, LINES);
      }
    };
    await Promise.all(Array.from({ length: AGENTS }, (_, a) => agent(a)));
    assert.equal((await total()) - before, AGENTS * BATCHES * LINES);
    const transactions = (await commits()) - commitsBefore;
    assert.ok(transactions < (AGENTS * BATCHES) / 4, `${AGENTS * BATCHES} batches in ${transactions} transactions`);
    // Retried by every agent: duplicates, nothing counted again.
    const again = await send(agentBatch(7, 3), 'agent-7-3');
    assert.equal((await again.json()).duplicate, true);
    assert.equal((await total()) - before, AGENTS * BATCHES * LINES);
  });

  it('answers bad lines, conflicts, zone mismatches and broken bodies per request while the rest of the fleet commits', async () => {
    const first = await send(agentBatch(200, 0), 'fleet-conflict');
    assert.equal(first.status, 200);
    const before = await total();
    const good = Array.from({ length: 60 }, (_, i) => send(agentBatch(300 + i, 0), `fleet-${i}`));
    const withBadLines = send(
      `${cfLine({ ts: T0 })}\nnot json\n{"EdgeStartTimestamp":1}\n${cfLine({ ts: T0 + 1 })}\n`,
      'fleet-bad-lines',
    );
    const conflict = send(agentBatch(201, 0), 'fleet-conflict');
    const mismatch = send(`${cfLine({ ts: T0, zone: 'other.example' })}\n`, 'fleet-mismatch');
    const broken = send(agentBatch(202, 0).subarray(0, 300), 'fleet-broken');
    const [goodAnswers, badLines, conflicted, mismatched, brokenBody] = await Promise.all([
      Promise.all(good),
      withBadLines,
      conflict,
      mismatch,
      broken,
    ]);
    for (const res of goodAnswers) assert.equal(res.status, 200, await res.clone().text());
    assert.equal(badLines.status, 200);
    assert.deepEqual((({ accepted, rejected }) => ({ accepted, rejected }))(await badLines.json()), {
      accepted: 2,
      rejected: 2,
    });
    assert.equal(conflicted.status, 409);
    assert.equal((await conflicted.json()).error.code, 'idempotency_conflict');
    assert.equal(mismatched.status, 400);
    assert.equal(brokenBody.status, 400);
    assert.equal((await total()) - before, 60 * LINES + 2);
  });
});
