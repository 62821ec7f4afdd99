import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { TIERS, type Tier } from '../plan.js';
import { SLICE_MS, TIER_TABLES } from './tiers.js';

/**
 * Compaction: merges a tier's committed rows into one row per key per unit, one slice (a zone's
 * hour of minutes, or day of hours or days) per transaction. Commits mark the slices they wrote
 * in `compaction_dirty` in their own transaction, so what is left to merge survives a restart or
 * a SIGKILL; a slice's merge deletes its rows and marks and inserts the sums in one transaction,
 * so every read sees the slice before or after, never between: answers never change.
 */

/** A slice still under way (its unit not over) is merged once this many commits marked it; an ended slice at once. */
export const MARKS_TO_COMPACT = 100;
/** Tries of one slice when a concurrent transaction conflicts with it; past them it stays marked for a later pass. */
const TRIES = 5;

/** One slice to merge: a tier's rows of one zone in [from, from + SLICE_MS[tier]). */
interface Slice {
  tier: Tier;
  zone: string;
  from: number;
}

/** What one pass did. */
export interface CompactionPass {
  /** Slices merged (or found merged already) and unmarked. */
  slices: number;
  /** Rows the merges removed. */
  rowsRemoved: number;
  /** Marked slices left for a later pass (time budget spent, or not due yet). */
  left: number;
}

/**
 * Merges marked slices, oldest first, until none is due or `budgetMs` is spent (a slice under
 * way always finishes). With `all`, every marked slice is due; otherwise a slice whose unit is
 * not over waits for MARKS_TO_COMPACT commits, so the current hour is not rewritten per push.
 */
export async function compact(
  instance: DuckDBInstance,
  { all = false, budgetMs = Number.POSITIVE_INFINITY, now = Date.now() } = {},
): Promise<CompactionPass> {
  const connection = await instance.connect();
  const started = performance.now();
  const pass: CompactionPass = { slices: 0, rowsRemoved: 0, left: 0 };
  try {
    const due = await dueSlices(connection, all, now);
    for (const [i, slice] of due.entries()) {
      if (performance.now() - started > budgetMs) {
        pass.left = due.length - i;
        break;
      }
      pass.rowsRemoved += await retried(() => compactSlice(connection, slice));
      pass.slices++;
    }
    return pass;
  } finally {
    connection.closeSync();
  }
}

/** The marked slices due for a merge, oldest first. */
async function dueSlices(connection: DuckDBConnection, all: boolean, now: number): Promise<Slice[]> {
  const width = `CASE tier ${TIERS.map((t) => `WHEN '${t}' THEN ${SLICE_MS[t]}`).join(' ')} END`;
  const reader = await connection.runAndReadAll(
    `SELECT tier, zone, slice_ms FROM compaction_dirty GROUP BY ALL
     ${all ? '' : `HAVING slice_ms + ${width} <= $1 OR count(*) >= ${MARKS_TO_COMPACT}`}
     ORDER BY slice_ms, tier, zone`,
    all ? [] : [BigInt(now)],
  );
  return reader
    .getRowsJS()
    .map(([tier, zone, from]) => ({ tier: tier as Tier, zone: String(zone), from: Number(from) }));
}

/**
 * One slice in one transaction: its rows summed per key, and, when some key had several rows,
 * replaced by the sums; then its marks (those this transaction sees) are dropped. Marks a
 * commit adds meanwhile stay, so the rows it added are merged by a later pass.
 */
async function compactSlice(connection: DuckDBConnection, { tier, zone, from }: Slice): Promise<number> {
  const table = TIER_TABLES[tier];
  const where = 'zone = $1 AND minute_ms >= $2 AND minute_ms < $3';
  const params = [zone, BigInt(from), BigInt(from + SLICE_MS[tier])];
  await connection.run('BEGIN TRANSACTION');
  try {
    await connection.run(
      `CREATE OR REPLACE TEMP TABLE compacting AS SELECT minute_ms, zone, host, colo, edge_status, status, origin_status,
         grp, source, sum(requests)::UBIGINT AS requests, sum(bytes)::UBIGINT AS bytes, request_source
       FROM ${table} WHERE ${where} GROUP BY ALL`,
      params,
    );
    const [[before, after]] = (
      await connection.runAndReadAll(
        `SELECT (SELECT count(*) FROM ${table} WHERE ${where})::DOUBLE, (SELECT count(*) FROM compacting)::DOUBLE`,
        params,
      )
    ).getRowsJS();
    const removed = Number(before) - Number(after);
    if (removed > 0) {
      await connection.run(`DELETE FROM ${table} WHERE ${where}`, params);
      await connection.run(`INSERT INTO ${table} SELECT * FROM compacting`);
    }
    await connection.run('DROP TABLE compacting');
    await connection.run('DELETE FROM compaction_dirty WHERE tier = $1 AND zone = $2 AND slice_ms = $3', [
      tier,
      zone,
      BigInt(from),
    ]);
    await connection.run('COMMIT');
    return removed;
  } catch (err) {
    try {
      await connection.run('ROLLBACK');
    } catch {
      // Already rolled back by DuckDB after a failed statement.
    }
    throw err;
  }
}

/** DuckDB's optimistic concurrency: a transaction that touched rows another changed meanwhile fails at once. */
const CONFLICT = /conflict/i;

/** Work retried on a write conflict (after a short pause), up to TRIES times. */
export async function retried<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= TRIES || !CONFLICT.test((err as Error).message)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}
