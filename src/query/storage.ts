import { TIER_MS } from '../stores/plan.js';
import type { Store, TierReport } from '../stores/store.js';

/** What a store holds per rollup tier, as `edgestat zone list`, `serve` and `GET /api/v1/storage` show it. */
export interface StorageAnswer {
  tiers: Array<Omit<TierReport, 'from' | 'to'> & { from: string | null; to: string | null }>;
  /** Bytes on disk; null when the store cannot tell (an in-memory DuckDB). */
  bytes: number | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The store's storage report with times as ISO strings. */
export async function storageAnswer(store: Pick<Store, 'storageReport'>): Promise<StorageAnswer> {
  const report = await store.storageReport();
  return {
    tiers: report.tiers.map((t) => ({ ...t, from: iso(t.from), to: iso(t.to) })),
    bytes: report.bytes,
  };
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** Bytes for people: 1,536 → "1.5 KiB"; null → "unknown". */
export function humanBytes(bytes: number | null): string {
  if (bytes === null) return 'unknown';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** How long a tier spans, the start of its first row to the end of its last: "45 min", "5 h", "30 d". */
export function span(tier: StorageAnswer['tiers'][number]): string {
  if (tier.from === null || tier.to === null) return '';
  const minutes = (Date.parse(tier.to) + TIER_MS[tier.tier] - Date.parse(tier.from)) / 60_000;
  if (minutes < 120) return `${Math.round(minutes)} min`;
  return minutes < 48 * 60 ? `${Math.round(minutes / 60)} h` : `${Math.round(minutes / 1440)} d`;
}

/** How long a tier keeps its rows: "35 d" or "for ever". */
export const kept = (tier: StorageAnswer['tiers'][number]) =>
  tier.retentionDays === null ? 'for ever' : `${tier.retentionDays} d`;

/** The report in one line, for a log: "minute 1,234 rows over 30 d (kept 35 d); …; 12 MiB on disk". */
export function storageLine(answer: StorageAnswer): string {
  const tiers = answer.tiers.map(
    (t) => `${t.tier} ${t.rows.toLocaleString('en-US')} rows${t.rows ? ` over ${span(t)}` : ''} (kept ${kept(t)})`,
  );
  return `${tiers.join('; ')}; ${humanBytes(answer.bytes)} on disk`;
}
