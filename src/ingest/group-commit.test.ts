import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import { IdempotencyConflictError } from '../stores/idempotency.js';
import { type CommitOutcome, type GroupedBatch, StoreUnavailableError } from '../stores/store.js';
import { tempDir } from '../testing/paths.js';
import { distinctColoRows } from '../testing/rows.js';
import { GroupCommitter } from './group-commit.js';

const ZONE = 'group.test';
const MINUTE = Date.UTC(2026, 10, 24, 10, 0);

/** `rows` rows of one request each, colos `${key}-i`, under `key` with content `hash`. */
function grouped(key: string, rows: number, hash = `sha256:${key}`, requests = 1): GroupedBatch {
  return {
    rows: distinctColoRows(
      ZONE,
      rows,
      `${key}-`,
      () => MINUTE,
      () => requests,
    ),
    record: { key, hint: '', input: 'http', accepted: rows * requests, rejected: 0, contentHash: hash },
  };
}

/** Through a committer, as the push route does: open, append, commit. */
async function push(committer: GroupCommitter, batch: GroupedBatch): Promise<CommitOutcome> {
  const writer = await committer.openBatch();
  await writer.append(batch.rows);
  return writer.commit(batch.record);
}

describe('group commit on DuckDB', () => {
  let store: DuckDBStore;
  /** Sizes of the groups the committer wrote, in order (the store's own commitGroup does the work). */
  let groups: number[];
  const counted = {
    commitGroup: (batches: readonly GroupedBatch[]) => {
      groups.push(batches.length);
      return store.commitGroup(batches);
    },
  };
  const total = async () =>
    (
      await store.aggregate({
        zone: ZONE,
        from: MINUTE,
        to: MINUTE + 60_000,
        bucketSeconds: 0,
        by: [],
      })
    ).reduce((sum, r) => sum + r.requests, 0);

  before(async () => {
    store = await DuckDBStore.open(join(tempDir(), 'group.duckdb'));
  });
  after(() => store.close());

  it('commits 100 concurrent batches in few transactions, the first at once, each answered committed', async () => {
    groups = [];
    const committer = new GroupCommitter(counted, { groupRows: 100_000, concurrentIngests: 1000 });
    const before = await total();
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, i) => push(committer, grouped(`many-${i}`, 20))),
    );
    assert.deepEqual(new Set(outcomes), new Set(['committed']));
    assert.equal((await total()) - before, 100 * 20);
    assert.equal(groups[0], 1, 'an idle writer takes the first batch without waiting for others');
    assert.equal(
      groups.reduce((a, b) => a + b, 0),
      100,
    );
    assert.ok(groups.length <= 3, `100 batches in ${groups.length} transactions: ${groups}`);
    assert.equal(committer.parsing, 0);
    assert.equal(committer.queued, 0);
    for (const i of [0, 57, 99]) assert.equal((await store.ingestRecord(`many-${i}`))?.accepted, 20);
  });

  it('answers a conflict or a duplicate inside a group for that batch alone', async () => {
    groups = [];
    const committer = new GroupCommitter(counted, { groupRows: 100_000, concurrentIngests: 1000 });
    assert.equal(await push(committer, grouped('kept', 3)), 'committed');
    const before = await total();
    const answers = await Promise.allSettled([
      push(committer, grouped('first', 5)),
      push(committer, grouped('a', 5)),
      push(committer, grouped('kept', 3, 'sha256:changed', 1000)),
      push(committer, grouped('kept', 3, 'sha256:kept', 1000)),
      push(committer, grouped('b', 5)),
      push(committer, grouped('b', 5, 'sha256:b-changed', 1000)),
      push(committer, grouped('b', 5, 'sha256:b', 1000)),
      push(committer, grouped('c', 5)),
    ]);
    assert.deepEqual(groups.slice(1), [1, 7], 'the last seven formed one group');
    const [first, a, conflict, duplicate, b, bConflict, bDuplicate, c] = answers;
    for (const ok of [first, a, b, c]) assert.deepEqual(ok, { status: 'fulfilled', value: 'committed' });
    for (const dup of [duplicate, bDuplicate]) assert.deepEqual(dup, { status: 'fulfilled', value: 'duplicate' });
    for (const refused of [conflict, bConflict]) {
      assert.equal(refused.status, 'rejected');
      assert.ok((refused as PromiseRejectedResult).reason instanceof IdempotencyConflictError);
    }
    assert.equal((await total()) - before, 4 * 5);
  });

  it('fails every batch of a group whose transaction fails, keeps none of it, and commits their retries', async () => {
    groups = [];
    const committer = new GroupCommitter(counted, { groupRows: 100_000, concurrentIngests: 1000 });
    const before = await total();
    const broken = grouped('broken', 1);
    // A value the column cannot hold: the store refuses the whole transaction.
    broken.rows[0].edgeStatus = 70_000;
    const answers = await Promise.allSettled([
      push(committer, grouped('alone', 2)),
      push(committer, grouped('x', 2)),
      push(committer, broken),
      push(committer, grouped('y', 2)),
    ]);
    assert.deepEqual(groups, [1, 3]);
    assert.deepEqual(answers[0], { status: 'fulfilled', value: 'committed' });
    for (const failed of answers.slice(1)) {
      assert.equal(failed.status, 'rejected');
      assert.ok((failed as PromiseRejectedResult).reason instanceof StoreUnavailableError);
    }
    assert.equal((await total()) - before, 2, 'nothing of the failed group was kept');
    assert.equal(await store.ingestRecord('x'), undefined);
    assert.deepEqual(await Promise.all([push(committer, grouped('x', 2)), push(committer, grouped('y', 2))]), [
      'committed',
      'committed',
    ]);
    assert.equal((await total()) - before, 6);
  });

  it('bounds a group by limits.groupRows', async () => {
    groups = [];
    const committer = new GroupCommitter(counted, { groupRows: 5, concurrentIngests: 100 });
    const answers = await Promise.all(['r0', 'r1', 'r2', 'r3', 'r4'].map((key) => push(committer, grouped(key, 2))));
    // r0 goes at once; r1..r4 wait and go two by two (4 rows of at most 5).
    assert.deepEqual(groups, [1, 2, 2]);
    assert.deepEqual(new Set(answers), new Set(['committed']));
  });

  it('parses limits.concurrentIngests batches at once; the others wait for a slot, first come first served', async () => {
    const committer = new GroupCommitter(counted, { groupRows: 100_000, concurrentIngests: 2 });
    const a = await committer.openBatch();
    const b = await committer.openBatch();
    const order: string[] = [];
    const c = committer.openBatch().then((w) => {
      order.push('c');
      return w;
    });
    const d = committer.openBatch().then((w) => {
      order.push('d');
      return w;
    });
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual([committer.parsing, committer.queued, order], [2, 2, []]);
    await a.abort();
    await a.abort();
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual([committer.parsing, committer.queued, order], [2, 1, ['c']]);
    await b.append(grouped('slot-b', 1).rows);
    assert.equal(await b.commit(grouped('slot-b', 1).record), 'committed');
    assert.deepEqual(order, ['c', 'd']);
    await (await c).abort();
    await (await d).abort();
    assert.deepEqual([committer.parsing, committer.queued], [0, 0]);
  });
});
