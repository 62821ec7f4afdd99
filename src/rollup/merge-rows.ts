import { VISITOR } from '../model/request-source.js';
import type { RollupRow } from './rollup.js';

/**
 * Rows of several batches as one set, rows of the same minute and dimensions summed: the many
 * small batches of one group commit mostly repeat each other's keys (one zone, one minute, the
 * same data centers and statuses), and every row not written is store work saved.
 */
export function mergeRows(batches: readonly (readonly RollupRow[])[]): RollupRow[] {
  const merged = new Map<string, RollupRow>();
  for (const rows of batches) {
    for (const row of rows) {
      const key = `${row.minute}\u0000${row.zone}\u0000${row.host}\u0000${row.colo}\u0000${row.edgeStatus}\u0000${row.status}\u0000${row.originStatus}\u0000${row.group}\u0000${row.source}\u0000${row.requestSource ?? VISITOR}`;
      const same = merged.get(key);
      if (same) {
        same.requests += row.requests;
        same.bytes += row.bytes;
      } else merged.set(key, { ...row });
    }
  }
  return [...merged.values()];
}
