import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { alertStoreContract } from '../../testing/alert-store-contract.js';
import { clickhouseMissing, startClickHouse, type TestClickHouse } from '../../testing/clickhouse.js';
import { ClickHouseStore } from './clickhouse-store.js';

let server: TestClickHouse | undefined;

alertStoreContract({
  name: 'ClickHouse',
  skip: clickhouseMissing(),
  open: async () => {
    server = await startClickHouse();
    return ClickHouseStore.open(server.storeUrl());
  },
  cleanup: async () => server?.stop(),
});

describe('ClickHouse evaluator lease', { skip: clickhouseMissing(), timeout: 60_000 }, () => {
  const stores: ClickHouseStore[] = [];
  after(async () => {
    for (const s of stores) await s.close();
  });

  it('is held by one of two stores on one database; the other takes it once it is released or expires', async () => {
    const ch = await startClickHouse();
    const url = ch.storeUrl();
    const [a, b] = [await ClickHouseStore.open(url), await ClickHouseStore.open(url)];
    stores.push(a, b);
    // Ages are whole seconds of the server's clock: a 2 s lease expires within 4 s.
    const leaseA = a.alerts.evaluatorLease(2000);
    const leaseB = b.alerts.evaluatorLease(2000);
    const both = await Promise.all([leaseA.hold(), leaseB.hold()]);
    assert.equal(both.filter(Boolean).length, 1, `exactly one holds: ${both}`);
    const [holder, other] = both[0] ? [leaseA, leaseB] : [leaseB, leaseA];
    assert.equal(await other.hold(), false);
    // Held for several renewals (one every third of the lease), it keeps one claim table, not one per renewal.
    for (let i = 0; i < 4; i++) {
      await sleep(800);
      assert.equal(await holder.hold(), true);
    }
    const [{ tables }] = await a.connection.rows<{ tables: string }>(
      `SELECT count() AS tables FROM system.tables WHERE database = currentDatabase() AND startsWith(name, 'claim_')`,
    );
    assert.equal(Number(tables), 1);
    await holder.release();
    assert.equal(await other.hold(), true, 'a released lease is free at once');

    // The new holder stops renewing (its process died): the lease is the other's once it expires.
    const started = Date.now();
    let waited = 0;
    while (!(await holder.hold())) {
      await sleep(250);
      waited = Date.now() - started;
      assert.ok(waited < 10_000, 'the lease never expired');
    }
    assert.ok(waited >= 1500, `taken over after ${waited} ms, before the lease ended`);
    // The one it was taken from sees that when it renews, and stops.
    await sleep(800);
    assert.equal(await other.hold(), false);
  });
});
