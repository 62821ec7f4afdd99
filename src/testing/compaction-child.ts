import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import { pushedBatches } from './rows.js';

/**
 * A process that compacts a DuckDB file while it commits `pushedBatches` of another zone, for
 * the SIGKILL test: it prints `compacting` once compaction started, `committed KEY` after each
 * commit (keys `late-0`, `late-1`...) and `done` when both finished.
 * Arguments: the file, then `pushedBatches`' zone, t0, hours, batches, rows per batch and seed.
 */
const [file, zone, ...numbers] = process.argv.slice(2);
const [t0, hours, count, rowsPerBatch, seed] = numbers.map(Number);
const store = await DuckDBStore.open(file, { compactEveryMs: 0 });
const compaction = store.compact();
process.stdout.write('compacting\n');
for (const [i, rows] of pushedBatches(zone, t0, hours, count, rowsPerBatch, seed).entries()) {
  const batch = await store.openBatch();
  await batch.append(rows);
  await batch.commit({ key: `late-${i}`, hint: '', input: 'test', accepted: rows.length, rejected: 0 });
  process.stdout.write(`committed late-${i}\n`);
}
await compaction;
await store.close();
process.stdout.write('done\n');
