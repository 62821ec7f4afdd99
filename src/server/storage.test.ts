import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { newToken } from '../auth/tokens.js';
import { parseConfig } from '../config/config.js';
import { humanBytes, type StorageAnswer, span } from '../query/storage.js';
import type { RollupRow } from '../rollup/rollup.js';
import { openStore } from '../stores/open.js';
import { TIER_MS } from '../stores/plan.js';
import type { Store } from '../stores/store.js';
import { clickhouseMissing, startClickHouse, type TestClickHouse } from '../testing/clickhouse.js';
import { repoRoot, tempDir } from '../testing/paths.js';
import { freePort } from '../testing/ports.js';
import { buildApp } from './app.js';

const CLI = join(repoRoot, 'dist/cli/main.js');
const run = promisify(execFile);
const ZONE = 'shop.example';
const DAY = 86_400_000;
/** 22:00 UTC three days ago: the rows span two UTC days, all in the past and within retention. */
const START = Date.now() - (Date.now() % DAY) - 3 * DAY + 22 * 3_600_000;
/** The same retention on both stores: every tier reports it. */
const RETENTION = '?minute_retention_days=400&hour_retention_days=800';
const COLOS = ['FRA', 'AMS', 'LHR'];

/** 90 rows, 20 minutes apart over 30 hours (two UTC days), colos in turn. */
const ROWS: RollupRow[] = Array.from({ length: 90 }, (_, i) => ({
  minute: START + i * 20 * 60_000,
  zone: ZONE,
  host: ZONE,
  colo: COLOS[i % 3],
  edgeStatus: 200,
  status: 200,
  originStatus: 200,
  group: 'success',
  source: 'edge',
  requests: i + 1,
  bytes: 100,
}));

/** What a tier of `width` ms holds of ROWS: one row per unit and colo, first and last unit. */
function expectedTier(width: number) {
  const units = ROWS.map((r) => r.minute - (r.minute % width));
  return {
    rows: new Set(ROWS.map((r, i) => `${units[i]}|${r.colo}`)).size,
    from: new Date(Math.min(...units)).toISOString(),
    to: new Date(Math.max(...units)).toISOString(),
  };
}

function checkAnswer(answer: StorageAnswer, retention: Record<string, number | null>) {
  assert.equal(answer.tiers[0].tier, 'minute');
  for (const t of answer.tiers) {
    assert.deepEqual(
      { rows: t.rows, from: t.from, to: t.to },
      expectedTier(TIER_MS[t.tier]),
      `${t.tier} tier: ${JSON.stringify(t)}`,
    );
    assert.equal(t.retentionDays, retention[t.tier], `${t.tier} retention`);
  }
  assert.ok(answer.bytes !== null && answer.bytes > 0);
}

async function fill(store: Store) {
  const batch = await store.openBatch();
  await batch.append(ROWS);
  await batch.commit({ key: 'k', hint: 'h', input: 'test', accepted: 90, rejected: 0 });
}

describe('storage report helpers', () => {
  it('writes bytes and spans for people', () => {
    assert.equal(humanBytes(null), 'unknown');
    assert.equal(humanBytes(512), '512 B');
    assert.equal(humanBytes(1536), '1.5 KiB');
    assert.equal(humanBytes(300 * 1024 * 1024), '300 MiB');
    assert.equal(humanBytes(2.25 * 1024 ** 3), '2.3 GiB');
    const tier = (tierName: 'minute' | 'hour' | 'day', from: string, to: string) => ({
      tier: tierName,
      rows: 1,
      from,
      to,
      retentionDays: null,
    });
    assert.equal(span(tier('minute', '2026-11-20T22:00:00Z', '2026-11-20T22:44:00Z')), '45 min');
    assert.equal(span(tier('hour', '2026-11-20T00:00:00Z', '2026-11-20T04:00:00Z')), '5 h');
    assert.equal(span(tier('day', '2026-10-01T00:00:00Z', '2026-10-30T00:00:00Z')), '30 d');
    assert.equal(span({ ...tier('day', '', ''), from: null, to: null }), '');
  });
});

for (const kind of ['duckdb', 'clickhouse'] as const) {
  describe(`storage report on ${kind}`, { skip: kind === 'clickhouse' && clickhouseMissing() }, () => {
    let clickhouse: TestClickHouse | undefined;
    let url: string;
    const retention = { minute: 400, hour: 800, day: null };
    before(async () => {
      clickhouse = kind === 'clickhouse' ? await startClickHouse() : undefined;
      url = `${clickhouse ? clickhouse.storeUrl() : `duckdb:${join(tempDir(), 'storage.duckdb')}`}${RETENTION}`;
      const store = await openStore(url);
      await fill(store);
      await store.close();
    });
    after(async () => clickhouse?.stop());

    it('edgestat zone list prints each tier’s rows, span and retention, and the store size', async () => {
      const json = await run(process.execPath, [CLI, 'zone', 'list', '--store', url, '--json'], { encoding: 'utf8' });
      const listed = JSON.parse(json.stdout) as { zones: { zone: string }[]; storage: StorageAnswer };
      assert.deepEqual(
        listed.zones.map((z) => z.zone),
        [ZONE],
      );
      checkAnswer(listed.storage, retention);
      const text = (await run(process.execPath, [CLI, 'zone', 'list', '--store', url], { encoding: 'utf8' })).stdout;
      for (const t of listed.storage.tiers) {
        const kept = t.retentionDays === null ? 'for ever' : `${t.retentionDays} d`;
        const line = new RegExp(
          `^${t.tier}\\s+${t.rows}\\s+${t.from?.replace('.000Z', 'Z')}\\s+\\S+\\s+${span(t)}\\s+${kept}$`,
          'm',
        );
        assert.match(text, line);
      }
      assert.match(text, new RegExp(`^store size: ${humanBytes(listed.storage.bytes).replace('.', '\\.')}$`, 'm'));
    });

    it('GET /api/v1/storage answers tokens for all zones, and /metrics has one series per tier', async () => {
      const store = await openStore(url);
      const { app } = await buildApp({ store, config: parseConfig({ webRoot: join(tempDir(), 'none') }) });
      try {
        const open = await app.inject({ url: '/api/v1/storage' });
        assert.equal(open.statusCode, 200, open.body);
        checkAnswer(open.json(), retention);
        const all = newToken('all', ['analytics:read'], ['*']);
        const one = newToken('one', ['analytics:read'], [ZONE]);
        const writer = newToken('writer', ['logs:write'], ['*']);
        for (const t of [all, one, writer]) await store.createToken(t.record);
        const as = (secret: string) =>
          app.inject({ url: '/api/v1/storage', headers: { authorization: `Bearer ${secret}` } });
        assert.equal((await as(all.secret)).statusCode, 200);
        assert.equal((await as(one.secret)).statusCode, 403);
        assert.equal((await as(writer.secret)).statusCode, 403);

        const metrics = (await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${all.secret}` } }))
          .body;
        const answer = open.json() as StorageAnswer;
        for (const t of answer.tiers) {
          assert.match(metrics, new RegExp(`^edgestat_store_rows\\{tier="${t.tier}"\\} ${t.rows}$`, 'm'));
          const first = Date.parse(t.from!) / 1000;
          assert.match(metrics, new RegExp(`^edgestat_store_first_row_seconds\\{tier="${t.tier}"\\} ${first}$`, 'm'));
        }
        assert.equal(metrics.match(/^edgestat_store_rows\{/gm)?.length, answer.tiers.length);
        // Read at the scrape: the tokens written since the first answer may have grown the store.
        assert.match(metrics, new RegExp(`^edgestat_store_bytes ${(await store.storageReport()).bytes}$`, 'm'));
      } finally {
        await app.close();
        await store.close();
      }
    });

    it('edgestat serve logs what each tier holds when it starts', async () => {
      const port = await freePort();
      const child = spawn(process.execPath, [CLI, 'serve', '--store', url, '--port', String(port)], {
        env: { ...process.env, EDGESTAT_LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      const exited = new Promise((resolve) => child.on('exit', resolve));
      try {
        const deadline = Date.now() + 15_000;
        while (!/"storage":/.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        const line = output.split('\n').find((l) => l.includes('"storage":'));
        assert.ok(line, output);
        const logged = JSON.parse(line) as { msg: string; storage: StorageAnswer };
        checkAnswer(logged.storage, retention);
        const minute = expectedTier(TIER_MS.minute);
        assert.match(logged.msg, new RegExp(`^storage: minute ${minute.rows} rows over 30 h \\(kept `));
        assert.match(logged.msg, / on disk$/);
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    });
  });
}
