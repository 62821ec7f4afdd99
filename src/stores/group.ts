import type { GroupedBatch, GroupOutcome, RollupStore } from './store.js';

/** Batches of a group committed at once by `commitEach`: each is its own round trip, so a few overlap. */
const PARALLEL_COMMITS = 8;

/**
 * A group committed batch by batch through `openBatch`, for stores that cannot write several
 * keys in one transaction: each batch keeps its own guarantees and its own outcome (a store
 * fault fails only the batch it hit). Up to PARALLEL_COMMITS keys commit at once; batches of
 * one key go one after another, so a key twice in a group is judged against the first one's commit.
 */
export async function commitEach(
  store: Pick<RollupStore, 'openBatch'>,
  batches: readonly GroupedBatch[],
): Promise<GroupOutcome[]> {
  const outcomes: GroupOutcome[] = new Array(batches.length);
  const byKey = new Map<string, number[]>();
  batches.forEach((b, i) => {
    const same = byKey.get(b.record.key);
    if (same) same.push(i);
    else byKey.set(b.record.key, [i]);
  });
  const keys = [...byKey.values()];
  const worker = async () => {
    for (let indexes = keys.shift(); indexes; indexes = keys.shift()) {
      for (const i of indexes) outcomes[i] = await commitOne(store, batches[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_COMMITS, keys.length) }, worker));
  return outcomes;
}

async function commitOne(store: Pick<RollupStore, 'openBatch'>, { rows, record }: GroupedBatch): Promise<GroupOutcome> {
  const batch = await store.openBatch();
  try {
    if (rows.length > 0) await batch.append(rows);
    return await batch.commit(record);
  } catch (err) {
    await batch.abort();
    return err instanceof Error ? err : new Error(String(err));
  }
}
