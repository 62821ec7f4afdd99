import type { GroupedBatch, GroupOutcome, RollupStore } from './store.js';

/**
 * A group committed batch by batch through `openBatch`, for stores that cannot write several
 * keys in one transaction: each batch keeps its own guarantees and its own outcome (a store
 * fault fails only the batch it hit). Batches run one after another so that a key twice in a
 * group is judged against the first one's commit.
 */
export async function commitEach(store: Pick<RollupStore, 'openBatch'>, batches: readonly GroupedBatch[]) {
  const outcomes: GroupOutcome[] = [];
  for (const { rows, record } of batches) {
    const batch = await store.openBatch();
    try {
      if (rows.length > 0) await batch.append(rows);
      outcomes.push(await batch.commit(record));
    } catch (err) {
      await batch.abort();
      outcomes.push(err instanceof Error ? err : new Error(String(err)));
    }
  }
  return outcomes;
}
