import { VISITOR } from '../../model/request-source.js';
import type { RollupRow } from '../../rollup/rollup.js';
import { IdempotencyConflictError, judgeExisting } from '../idempotency.js';
import type { BatchWriter, CommitOutcome, CommitRecord, IngestRecord } from '../store.js';
import { type ClaimTiming, KeyClaim } from './claim.js';
import type { ClickHouseConnection } from './connection.js';
import { int, storedRequestSource, str } from './sql.js';

export const DAY_S = 86_400;
/** Rows per INSERT: one block, so one part, so all or nothing. */
const ROWS_PER_INSERT = 100_000;

/** What a batch needs of its store, and no more. */
export interface BatchHost {
  /** SQL on the store's database: markers read, parts and the record inserted, claims created and dropped. */
  readonly connection: Pick<ClickHouseConnection, 'database' | 'run' | 'rows' | 'insert'>;
  /** The claim's lease, and how long to wait for another holder of the key. */
  readonly claimTiming: ClaimTiming;
  ingestRecord(key: string): Promise<IngestRecord | undefined>;
  /** Housekeeping once a commit landed (retention, at most hourly). */
  afterCommit(): Promise<void>;
}

/**
 * One ingest. Rows are summed in memory until commit, then written per table as INSERTs that
 * each land in one partition (one day) as one block, so each is all or nothing; each carries a
 * marker row (zone '', host = the sub-batch key, colo = the content hash) in the same block. A
 * retry after a crash anywhere in `commit` finds which sub-batches landed by their markers and
 * writes only the others; the ingest record, written last, makes later attempts duplicates.
 * Only the holder of the key's claim writes, so two processes committing the same key at the
 * same moment count it once: the other waits and then finds the record.
 */
export class ClickHouseBatch implements BatchWriter {
  private readonly rows = new Map<string, RollupRow>();

  constructor(private readonly store: BatchHost) {}

  async append(rows: RollupRow[]): Promise<void> {
    for (const r of rows) add(this.rows, r, r.minute);
  }

  async commit(record: CommitRecord): Promise<CommitOutcome> {
    const claim = await KeyClaim.acquire(
      this.store.connection,
      record.key,
      this.store.claimTiming,
      async () => (await this.store.ingestRecord(record.key)) !== undefined,
    );
    try {
      // Checked under the claim: a process that held it before may have written the record.
      const existing = await this.store.ingestRecord(record.key);
      if (existing) return judgeExisting(existing, record);
      if (!claim) throw new Error(`no claim and no record for "${record.key}"`); // settled() saw a record: unreachable
      const minutes = [...this.rows.entries()];
      const hours = new Map<string, RollupRow>();
      const days = new Map<string, RollupRow>();
      for (const [, r] of minutes) {
        add(hours, r, r.minute - (r.minute % 3_600_000));
        add(days, r, r.minute - (r.minute % (DAY_S * 1000)));
      }
      const contentHash = record.contentHash ?? '';
      // Days before hours: the migration that fills the daily table from the hourly one skips a
      // day that has daily rows, so a day whose hours landed always has its daily rows too.
      const plans = await remainingInserts(
        this.store.connection,
        [
          ['rollup_minute', minutes],
          ['rollup_day', [...days.entries()]],
          ['rollup_hour', [...hours.entries()]],
        ],
        record.key,
        contentHash,
      );
      // Checked for every table before anything is written: a conflict writes nothing.
      if (plans.some((p) => p.conflict)) throw new IdempotencyConflictError(record.key);
      for (const p of plans) {
        for (const part of p.parts) {
          await claim.hold();
          await this.store.connection.insert(p.table, values(part, contentHash));
        }
      }
      await claim.hold();
      await this.store.connection.insert('ingests', [
        {
          key: record.key,
          hint: record.hint,
          source: record.input,
          accepted: record.accepted,
          rejected: record.rejected,
          content_hash: contentHash,
          at_ms: Date.now(),
        },
      ]);
    } finally {
      await claim?.release();
    }
    this.rows.clear();
    await this.store.afterCommit();
    return 'committed';
  }

  async abort(): Promise<void> {
    this.rows.clear();
  }
}

function rowKey(r: RollupRow, minute: number): string {
  return `${minute}\u0000${r.zone}\u0000${r.host}\u0000${r.colo}\u0000${r.edgeStatus}\u0000${r.status}\u0000${r.originStatus}\u0000${r.group}\u0000${r.source}\u0000${r.requestSource ?? VISITOR}`;
}

function add(rows: Map<string, RollupRow>, r: RollupRow, minute: number): void {
  const key = rowKey(r, minute);
  const row = rows.get(key);
  if (row) {
    row.requests += r.requests;
    row.bytes += r.bytes;
  } else rows.set(key, { ...r, minute });
}

/** Rows of one day of a batch that go in one INSERT, with the name of their marker. */
interface Part {
  marker: string;
  day: number;
  rows: RollupRow[];
}

interface TablePlan {
  table: string;
  /** The INSERTs still to make. */
  parts: Part[];
  /** A sub-batch of this key landed before with other content (a commit of another body broke off). */
  conflict: boolean;
}

/** Each table's INSERTs for one batch, without the sub-batches whose marker is already there. */
async function remainingInserts(
  sql: BatchHost['connection'],
  tables: [string, [string, RollupRow][]][],
  key: string,
  contentHash: string,
): Promise<TablePlan[]> {
  const plans = tables.map(([table, rows]) => ({ table, parts: parts(rows, key), conflict: false }));
  const all = plans.flatMap((p) => p.parts);
  if (all.length === 0) return plans;
  const days = [...new Set(all.map((p) => p.day * DAY_S))].map(int).join(', ');
  const markers = [...new Set(all.map((p) => p.marker))].map(str).join(', ');
  // One round trip for all tables: markers sit at the start of their day, so the day narrows the read.
  const landed = await sql.rows<{ t: string; host: string; colo: string }>(
    plans
      .map(
        (p) =>
          `SELECT DISTINCT ${str(p.table)} AS t, host, colo FROM ${p.table} WHERE zone = '' AND minute IN (${days}) AND host IN (${markers})`,
      )
      .join(' UNION ALL '),
  );
  for (const p of plans) {
    const mine = landed.filter((m) => m.t === p.table);
    // Markers written before content hashes were kept have colo '': they cannot conflict.
    p.conflict = mine.some((m) => contentHash !== '' && m.colo !== '' && m.colo !== contentHash);
    const done = new Set(mine.map((m) => m.host));
    p.parts = p.parts.filter((part) => !done.has(part.marker));
  }
  return plans;
}

/** A table's rows of one batch cut into INSERTs: one day each, at most ROWS_PER_INSERT rows. */
function parts(rows: [string, RollupRow][], key: string): Part[] {
  const byDay = new Map<number, [string, RollupRow][]>();
  for (const entry of rows) {
    const day = Math.floor(entry[1].minute / 1000 / DAY_S);
    const list = byDay.get(day);
    if (list) list.push(entry);
    else byDay.set(day, [entry]);
  }
  const out: Part[] = [];
  for (const [day, list] of byDay) {
    // A retry must cut a day into the same sub-batches whatever order its rows came in (parallel parsing).
    if (list.length > ROWS_PER_INSERT) list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (let i = 0; i < list.length; i += ROWS_PER_INSERT) {
      out.push({
        marker: `${key}#${day}#${i / ROWS_PER_INSERT}`,
        day,
        rows: list.slice(i, i + ROWS_PER_INSERT).map(([, r]) => r),
      });
    }
  }
  return out;
}

/** The rows of one INSERT: the part's rows and its marker, in one block. */
function values(part: Part, contentHash: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = part.rows.map(storedRow);
  out.push({
    minute: part.day * DAY_S,
    zone: '',
    host: part.marker,
    colo: contentHash,
    edge_status: 0,
    status: 0,
    origin_status: 0,
    grp: '',
    source: '',
    requests: 1,
    bytes: 0,
  });
  return out;
}

/** A rollup row as a rollup table stores it. */
export function storedRow(r: RollupRow): Record<string, unknown> {
  return {
    minute: r.minute / 1000,
    zone: r.zone,
    host: r.host,
    colo: r.colo,
    edge_status: r.edgeStatus,
    status: r.status,
    origin_status: r.originStatus,
    grp: r.group,
    source: r.source,
    request_source: storedRequestSource(r.requestSource ?? VISITOR),
    requests: r.requests,
    bytes: r.bytes,
  };
}
