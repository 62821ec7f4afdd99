import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { emptyRequest } from '../model/request.js';
import { createParser } from '../parsers/registry.js';
import { Rollup, type RollupRow } from '../rollup/rollup.js';
import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import type { Store } from '../stores/store.js';
import { tempDir } from '../testing/paths.js';
import { CardinalityGuard, type CardinalityLimits, OVERFLOW_VALUE } from './cardinality.js';
import { ingest } from './pipeline.js';

const DAY = 86_400_000;
const DAY1 = Date.UTC(2026, 10, 24);
const ZONE = 'shop.test';

/** Rollup rows of one request each, through the real rollup, for (colo, host, minute) triples. */
function rows(
  places: Array<{ colo: string; host?: string; ts?: number; zone?: string; status?: number }>,
): RollupRow[] {
  const rollup = new Rollup();
  for (const p of places) {
    rollup.add({
      ...emptyRequest(),
      ts: p.ts ?? DAY1 + 3_600_000,
      zone: p.zone ?? ZONE,
      host: p.host ?? 'www.shop.test',
      colo: p.colo,
      edgeStatus: p.status ?? 200,
      originStatus: p.status ?? 200,
      bytes: 10,
    });
  }
  return rollup.drain();
}

async function commit(store: Store, key: string, list: RollupRow[]): Promise<void> {
  const batch = await store.openBatch();
  await batch.append(list);
  assert.equal(await batch.commit({ key, hint: '', input: 'test', accepted: list.length, rejected: 0 }), 'committed');
}

const limits = (overrides: Partial<CardinalityLimits>): CardinalityLimits => ({
  colosPerZoneDay: 1000,
  hostsPerZoneDay: 1000,
  zones: 1000,
  ...overrides,
});
async function* chunks(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}
const sumOf = (list: RollupRow[]) => list.reduce((sum, r) => sum + r.requests, 0);
const byColo = (list: RollupRow[]) => {
  const out: Record<string, number> = {};
  for (const r of list) out[r.colo] = (out[r.colo] ?? 0) + r.requests;
  return out;
};

describe('cardinality guard', () => {
  let store: DuckDBStore;
  before(async () => {
    store = await DuckDBStore.open(join(tempDir(), 'guard.duckdb'));
  });
  after(async () => store.close());

  it('folds colos past the cap into the overflow value and keeps every request', async () => {
    const guard = new CardinalityGuard(store, limits({ colosPerZoneDay: 3 }));
    const session = guard.session();
    const input = rows(['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'EEE', 'AAA'].map((colo) => ({ colo })));
    const admitted = await session.admit(input);
    assert.deepEqual(byColo(admitted), { AAA: 2, BBB: 1, CCC: 1, [OVERFLOW_VALUE]: 3 });
    assert.equal(sumOf(admitted), 7);
    // DDD and EEE fold into one row, not one row each.
    assert.equal(admitted.filter((r) => r.colo === OVERFLOW_VALUE).length, 1);
    assert.deepEqual(session.folded, { colo: 3, host: 0 });
  });

  it('folds hosts past their own cap, independently of colos', async () => {
    const guard = new CardinalityGuard(store, limits({ hostsPerZoneDay: 2 }));
    const session = guard.session();
    const admitted = await session.admit(rows([1, 2, 3, 4].map((i) => ({ colo: 'FRA', host: `h${i}.shop.test` }))));
    assert.deepEqual(admitted.map((r) => r.host).sort(), [OVERFLOW_VALUE, 'h1.shop.test', 'h2.shop.test']);
    assert.deepEqual(session.folded, { colo: 0, host: 2 });
  });

  it('keeps letting in values it already holds once the cap is reached', async () => {
    const guard = new CardinalityGuard(store, limits({ colosPerZoneDay: 2 }));
    const first = guard.session();
    await first.admit(rows([{ colo: 'AAA' }, { colo: 'BBB' }]));
    first.commit();
    const second = guard.session();
    const admitted = await second.admit(rows([{ colo: 'BBB' }, { colo: 'ZZZ' }, { colo: 'AAA' }]));
    assert.deepEqual(byColo(admitted), { AAA: 1, BBB: 1, [OVERFLOW_VALUE]: 1 });
  });

  it('counts what the store already holds for the day (a restart keeps the cap)', async () => {
    await commit(
      store,
      'seed-1',
      rows([
        { colo: 'SIN', zone: 'seeded.test' },
        { colo: 'LHR', zone: 'seeded.test' },
      ]),
    );
    const guard = new CardinalityGuard(store, limits({ colosPerZoneDay: 3 }));
    const session = guard.session();
    const admitted = await session.admit(
      rows(['LHR', 'NRT', 'CDG', 'SIN'].map((colo) => ({ colo, zone: 'seeded.test' }))),
    );
    assert.deepEqual(byColo(admitted), { LHR: 1, NRT: 1, SIN: 1, [OVERFLOW_VALUE]: 1 });
  });

  it('starts every UTC day with a fresh cap', async () => {
    const guard = new CardinalityGuard(store, limits({ colosPerZoneDay: 1 }));
    const session = guard.session();
    const admitted = await session.admit(
      rows([
        { colo: 'AAA', ts: DAY1 + DAY - 60_000 },
        { colo: 'BBB', ts: DAY1 + DAY - 60_000 },
        { colo: 'BBB', ts: DAY1 + DAY },
        { colo: 'AAA', ts: DAY1 + DAY + 60_000 },
      ]),
    );
    const seen = admitted.map((r) => `${r.minute >= DAY1 + DAY ? 'day2' : 'day1'}:${r.colo}`).sort();
    assert.deepEqual(seen, ['day1:(Other)', 'day1:AAA', 'day2:(Other)', 'day2:BBB']);
  });

  it('does not count the values of a batch that never committed', async () => {
    const guard = new CardinalityGuard(store, limits({ colosPerZoneDay: 2 }));
    const aborted = guard.session();
    await aborted.admit(rows([{ colo: 'AAA' }, { colo: 'BBB' }]));
    const next = guard.session();
    const admitted = await next.admit(rows([{ colo: 'CCC' }, { colo: 'DDD' }]));
    assert.deepEqual(byColo(admitted), { CCC: 1, DDD: 1 });
  });

  it('forgets the least recently used days past its memory budget and reads them again from the store', async () => {
    const guard = new CardinalityGuard(store, limits({ colosPerZoneDay: 2 }), 10);
    const zone = 'many-days.test';
    for (let d = 0; d < 20; d++) {
      const session = guard.session();
      const list = await session.admit(
        rows([{ colo: 'AAA' }, { colo: 'BBB' }].map((p) => ({ ...p, zone, ts: DAY1 + d * DAY }))),
      );
      await commit(store, `days-${d}`, list);
      session.commit();
      assert.ok(guard.rememberedDays <= 6, `${guard.rememberedDays} days remembered`);
    }
    // Day 0 was forgotten: its two colos come back from the store, and the cap still holds.
    const session = guard.session();
    const admitted = await session.admit(
      rows([
        { colo: 'CCC', zone, ts: DAY1 },
        { colo: 'AAA', zone, ts: DAY1 },
      ]),
    );
    assert.deepEqual(byColo(admitted), { AAA: 1, [OVERFLOW_VALUE]: 1 });
  });

  it('uses an overflow value that no parser can give as a colo or a host', () => {
    assert.notEqual(OVERFLOW_VALUE.toUpperCase(), OVERFLOW_VALUE);
    assert.notEqual(OVERFLOW_VALUE.toLowerCase(), OVERFLOW_VALUE);
    const parser = createParser('cloudflare', {});
    const out = emptyRequest();
    const line = JSON.stringify({
      EdgeStartTimestamp: new Date(DAY1).toISOString(),
      EdgeResponseStatus: 200,
      EdgeColoCode: OVERFLOW_VALUE,
      ClientRequestHost: OVERFLOW_VALUE,
      ZoneName: ZONE,
    });
    assert.equal(parser.parse(line, out), null);
    assert.notEqual(out.colo, OVERFLOW_VALUE);
    assert.notEqual(out.host, OVERFLOW_VALUE);
  });
});

describe('zone cap in ingest', () => {
  it('rejects the lines of a new zone once the store holds as many zones as allowed, and keeps old zones', async () => {
    const store = await DuckDBStore.open(join(tempDir(), 'zones.duckdb'));
    try {
      const guard = new CardinalityGuard(store, limits({ zones: 2 }));
      const line = (zone: string) =>
        `${JSON.stringify({ EdgeStartTimestamp: new Date(DAY1).toISOString(), EdgeResponseStatus: 200, EdgeColoCode: 'FRA', ZoneName: zone })}\n`;
      const push = (text: string, key: string) =>
        ingest(store, chunks(text), { format: 'cloudflare', input: 'test', key, cardinality: guard });
      const first = await push(line('a.test') + line('b.test'), 'k1');
      assert.equal(first.accepted, 2);
      const second = await push(line('c.test') + line('a.test') + line('c.test') + line('d.test'), 'k2');
      assert.equal(second.lines, 4);
      assert.equal(second.accepted, 1);
      assert.equal(second.rejected, 3);
      assert.deepEqual(second.rejectsByReason, { 'too-many-zones': 3 });
      assert.match(second.samples[0].detail, /zone "c.test" is new .* 2 zones .*limits\.zones/);
      assert.deepEqual(await store.distinctValues({ dimension: 'zone', limit: 10 }), ['a.test', 'b.test']);
      // A fresh guard (a restart) reads the two zones from the store and still refuses a third.
      const again = await ingest(store, chunks(line('e.test')), {
        format: 'cloudflare',
        input: 'test',
        key: 'k3',
        cardinality: new CardinalityGuard(store, limits({ zones: 2 })),
      });
      assert.equal(again.rejected, 1);
    } finally {
      await store.close();
    }
  });

  it('accepts lines of a zone stored before the cap was lowered', async () => {
    const store = await DuckDBStore.open(join(tempDir(), 'zones-before.duckdb'));
    try {
      await commit(store, 'old', rows(['a', 'b', 'c'].map((z) => ({ colo: 'FRA', zone: `${z}.test` }))));
      const line = (zone: string) =>
        `${JSON.stringify({ EdgeStartTimestamp: new Date(DAY1).toISOString(), EdgeResponseStatus: 200, EdgeColoCode: 'FRA', ZoneName: zone })}\n`;
      const result = await ingest(store, chunks(line('a.test') + line('b.test') + line('c.test') + line('x.test')), {
        format: 'cloudflare',
        input: 'test',
        cardinality: new CardinalityGuard(store, limits({ zones: 1 })),
      });
      assert.equal(result.accepted, 3);
      assert.deepEqual(result.rejectsByReason, { 'too-many-zones': 1 });
    } finally {
      await store.close();
    }
  });
});
