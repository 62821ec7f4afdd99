import type { DuckDBInstance } from '@duckdb/node-api';
import { TIER_MS, TIERS, type Tier } from '../plan.js';
import { retried } from './compaction.js';
import { SLICE_MS, TIER_TABLES } from './tiers.js';

/** Days each tier keeps, counted in whole UTC days before today; 0 keeps it for ever. */
export type Retention = Record<Tier, number>;

/** Minutes for 35 days, hours for 800, days for ever: the ClickHouse store's defaults. */
export const DEFAULT_RETENTION: Retention = { minute: 35, hour: 800, day: 0 };

/**
 * The retention a store URL's options set (`minute_retention_days`, `hour_retention_days`,
 * `day_retention_days`; the defaults for the others; any other option is refused). A coarser tier must keep at least as long
 * as a finer one: a query reads whole units from the coarsest tier, so a coarser tier emptied
 * first would answer less than the finer one still holds.
 */
export function retentionFrom(options: URLSearchParams): Retention {
  const retention = { ...DEFAULT_RETENTION };
  const known = TIERS.map((tier) => `${tier}_retention_days`);
  for (const name of options.keys()) {
    if (!known.includes(name))
      throw new Error(`unknown option "${name}" of a duckdb: store URL (known: ${known.join(', ')})`);
  }
  for (const tier of TIERS) {
    const text = options.get(`${tier}_retention_days`);
    if (text === null) continue;
    const days = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(days))
      throw new Error(`${tier}_retention_days must be a whole number of days (0 keeps for ever), got "${text}"`);
    retention[tier] = days;
  }
  const forEver = (days: number) => (days === 0 ? Number.POSITIVE_INFINITY : days);
  for (let i = 1; i < TIERS.length; i++) {
    const [finer, coarser] = [TIERS[i - 1], TIERS[i]];
    if (forEver(retention[coarser]) < forEver(retention[finer]))
      throw new Error(
        `${coarser}_retention_days (${retention[coarser] || 'for ever'}) must keep at least as long as ` +
          `${finer}_retention_days (${retention[finer] || 'for ever'})`,
      );
  }
  return retention;
}

/**
 * Drops each tier's rows from days older than its retention (the day `now` falls in and the
 * `days` before it are kept), oldest first, one slice per statement so no delete holds many
 * rows at once. Returns the rows dropped.
 */
export async function applyRetention(
  instance: DuckDBInstance,
  retention: Retention,
  now = Date.now(),
): Promise<number> {
  const connection = await instance.connect();
  const today = Math.floor(now / TIER_MS.day) * TIER_MS.day;
  let dropped = 0;
  try {
    for (const tier of TIERS) {
      if (retention[tier] === 0) continue;
      const cutoff = today - retention[tier] * TIER_MS.day;
      const table = TIER_TABLES[tier];
      for (;;) {
        const [[oldest]] = (await connection.runAndReadAll(`SELECT min(minute_ms) FROM ${table}`)).getRowsJS();
        if (oldest === null || Number(oldest) >= cutoff) break;
        const end = Math.min(cutoff, Math.floor(Number(oldest) / SLICE_MS[tier]) * SLICE_MS[tier] + SLICE_MS[tier]);
        const result = await retried(() => connection.run(`DELETE FROM ${table} WHERE minute_ms < $1`, [BigInt(end)]));
        dropped += result.rowsChanged;
      }
    }
    return dropped;
  } finally {
    connection.closeSync();
  }
}
