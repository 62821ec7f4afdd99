import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { VISITOR } from '../../model/request-source.js';
import type { RollupRow } from '../../rollup/rollup.js';
import { TIER_MS, type Tier } from '../plan.js';

/** The table of each tier's rows (the time column `minute_ms` is the start of the tier's unit). */
export const TIER_TABLES: Record<Tier, string> = { minute: 'rollup_minute', hour: 'rollup_hour', day: 'rollup_day' };

/** What compaction merges at once per tier: one zone's hour of minutes, one zone's day of hours or of its day row. */
export const SLICE_MS: Record<Tier, number> = { minute: TIER_MS.hour, hour: TIER_MS.day, day: TIER_MS.day };

/**
 * Sums held per batch before they are written out: past it, the sums so far go to the tables
 * (rows of the same key written twice are merged by compaction), so a batch of any size holds
 * at most this many in memory.
 */
export const TIER_SUMS_CAP = 200_000;

/** Rollup rows onto an appender of a rollup table, in its column order (the caller flushes: a flush blocks the thread). */
export function appendRollupRows(a: DuckDBAppender, rows: Iterable<RollupRow>): void {
  for (const r of rows) {
    a.appendBigInt(BigInt(r.minute));
    a.appendVarchar(r.zone);
    a.appendVarchar(r.host);
    a.appendVarchar(r.colo);
    a.appendUSmallInt(r.edgeStatus);
    a.appendUSmallInt(r.status);
    a.appendUSmallInt(r.originStatus);
    a.appendVarchar(r.group);
    a.appendVarchar(r.source);
    a.appendUBigInt(BigInt(r.requests));
    a.appendUBigInt(BigInt(r.bytes));
    a.appendVarchar(r.requestSource ?? VISITOR);
    a.endRow();
  }
}

/**
 * A batch's rows summed per unit of some tiers (always hour and day), written in the batch's
 * transaction with the marks of the slices they touch, so every tier holds the batch from its
 * commit on and compaction knows, durably, what to merge.
 */
export class TierSums {
  private readonly sums: Map<string, RollupRow>[];
  private held = 0;

  constructor(private readonly tiers: readonly Tier[]) {
    this.sums = tiers.map(() => new Map());
  }

  /** Sums held now: past TIER_SUMS_CAP the caller writes them out. */
  get size(): number {
    return this.held;
  }

  add(rows: readonly RollupRow[]): void {
    for (const r of rows) {
      const requestSource = r.requestSource ?? VISITOR;
      const dims = `${r.zone}\0${r.host}\0${r.colo}\0${r.edgeStatus}\0${r.status}\0${r.originStatus}\0${r.group}\0${r.source}\0${requestSource}`;
      for (let i = 0; i < this.tiers.length; i++) {
        const width = TIER_MS[this.tiers[i]];
        const start = Math.floor(r.minute / width) * width;
        const key = `${start}\0${dims}`;
        const sum = this.sums[i].get(key);
        if (sum) {
          sum.requests += r.requests;
          sum.bytes += r.bytes;
        } else {
          this.sums[i].set(key, { ...r, minute: start, requestSource });
          this.held++;
        }
      }
    }
  }

  /** Appends the sums and the marks of their slices in the connection's transaction, and forgets them. */
  async write(connection: DuckDBConnection): Promise<void> {
    const marks = new Map<string, [Tier, string, number]>();
    const mark = (tier: Tier, zone: string, minute: number) => {
      const slice = Math.floor(minute / SLICE_MS[tier]) * SLICE_MS[tier];
      marks.set(`${tier}\0${zone}\0${slice}`, [tier, zone, slice]);
    };
    for (let i = 0; i < this.tiers.length; i++) {
      const tier = this.tiers[i];
      const appender = await connection.createAppender(TIER_TABLES[tier]);
      appendRollupRows(appender, this.sums[i].values());
      appender.closeSync();
      // The hour and day sums name every slice the batch touched, in each tier.
      if (tier === 'hour') for (const r of this.sums[i].values()) mark('minute', r.zone, r.minute);
      if (tier === 'day') {
        for (const r of this.sums[i].values()) {
          mark('hour', r.zone, r.minute);
          mark('day', r.zone, r.minute);
        }
      }
      this.sums[i].clear();
    }
    this.held = 0;
    const appender = await connection.createAppender('compaction_dirty');
    for (const [tier, zone, slice] of marks.values()) {
      appender.appendVarchar(tier);
      appender.appendVarchar(zone);
      appender.appendBigInt(BigInt(slice));
      appender.endRow();
    }
    appender.closeSync();
  }
}
