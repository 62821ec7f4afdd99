import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { DuckDBAppender, DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { DEFAULT_PLAN, type Plan } from '../../model/plans.js';
import type { TokenRecord } from '../../model/tokens.js';
import type { RollupRow } from '../../rollup/rollup.js';
import { judgeExisting } from '../idempotency.js';
import { TIER_MS, TIERS, toAggregateRow } from '../plan.js';
import type {
  AggregateQuery,
  AggregateRow,
  BatchWriter,
  CommitOutcome,
  CommitRecord,
  DistinctQuery,
  GroupedBatch,
  GroupOutcome,
  IngestRecord,
  StorageReport,
  Store,
  TierReport,
  ZoneInfo,
} from '../store.js';
import { DuckDBAlerts } from './alerts.js';
import type { CompactionPass } from './compaction.js';
import { guarded, storeFault } from './faults.js';
import { Maintenance } from './maintenance.js';
import { checkReadable, openError, ownerOnlyFiles } from './open-check.js';
import { DEFAULT_RETENTION, type Retention } from './retention.js';
import { MIGRATIONS } from './schema.js';
import { aggregateSql, bucketTotalsSql, distinctSql, ZONE_SPANS_SQL, zoneTotalsSql } from './sql.js';
import { appendRollupRows, TIER_SUMS_CAP, TIER_TABLES, TierSums } from './tiers.js';

/**
 * DuckDB's API, loaded with require: the package is CommonJS, and importing it as an ES module
 * makes Node parse its hundred-odd files once more to find their exports, which doubled the
 * time every command that opens a store spends before it starts.
 */
const duckdb = createRequire(import.meta.url)('@duckdb/node-api') as typeof import('@duckdb/node-api');

/** How a DuckDB store keeps its tiers. */
export interface DuckDBOptions {
  /** Days each tier keeps (0: for ever); DEFAULT_RETENTION when not given. */
  retention?: Retention;
  /** Wait between background compaction passes, ms (default 10 s); 0 runs none (tests call `compact`). */
  compactEveryMs?: number;
}

/** The embedded store: one DuckDB file, opened by one process at a time. */
export class DuckDBStore implements Store {
  readonly kind = 'duckdb' as const;
  readonly alerts: DuckDBAlerts;
  private maintenance: Maintenance | undefined;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly reader: DuckDBConnection,
    private readonly retention: Retention,
  ) {
    this.alerts = new DuckDBAlerts(path, reader);
  }

  static async open(path: string, options: DuckDBOptions = {}): Promise<DuckDBStore> {
    ownerOnlyFiles();
    let instance: DuckDBInstance;
    try {
      instance = await duckdb.DuckDBInstance.create(path);
    } catch (err) {
      throw openError(err, path);
    }
    const reader = await instance.connect();
    try {
      if (path !== ':memory:') await checkReadable(reader, path);
    } catch (err) {
      reader.closeSync();
      instance.closeSync();
      throw err;
    }
    const store = new DuckDBStore(path, instance, reader, options.retention ?? DEFAULT_RETENTION);
    await store.migrate();
    store.maintenance = new Maintenance(instance, store.retention, options.compactEveryMs ?? COMPACT_EVERY_MS);
    return store;
  }

  async migrate(): Promise<void> {
    await this.reader.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const rows = (await this.reader.runAndReadAll('SELECT max(version) AS v FROM schema_version')).getRowObjectsJS();
    const current = Number(rows[0]?.v ?? 0);
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      await this.reader.run('BEGIN TRANSACTION');
      try {
        await this.reader.run(MIGRATIONS[version - 1]);
        await this.reader.run('INSERT INTO schema_version VALUES ($1)', [version]);
        await this.reader.run('COMMIT');
      } catch (err) {
        await this.reader.run('ROLLBACK');
        throw err;
      }
    }
  }

  openBatch(): Promise<BatchWriter> {
    return guarded(this.path, async () => {
      const connection = await this.instance.connect();
      await connection.run('BEGIN TRANSACTION');
      return new DuckDBBatch(this, connection, await connection.createAppender(TIER_TABLES.minute));
    });
  }

  /**
   * The whole group in ONE transaction on one connection: per batch its key is checked (against
   * the file and the group's earlier batches), its rows appended and its record inserted; then
   * one COMMIT makes them all durable, or a failure keeps none. One fsync for many batches is
   * what lets small pushes go fast.
   */
  commitGroup(batches: readonly GroupedBatch[]): Promise<GroupOutcome[]> {
    return guarded(this.path, async () => {
      try {
        return await this.writeGroup(batches);
      } catch (err) {
        // Another writer (a file ingest) committed one of the keys meanwhile: once more, its record now decides.
        if (!KEY_TAKEN.test((err as Error).message)) throw err;
        return await this.writeGroup(batches);
      }
    });
  }

  private async writeGroup(batches: readonly GroupedBatch[]): Promise<GroupOutcome[]> {
    const connection = await this.instance.connect();
    try {
      await connection.run('BEGIN TRANSACTION');
      const keys = [...new Set(batches.map((b) => b.record.key))];
      const known = new Map<string, IngestRecord>();
      for (let i = 0; i < keys.length; i += RECORDS_PER_STATEMENT) {
        const some = keys.slice(i, i + RECORDS_PER_STATEMENT);
        const reader = await connection.runAndReadAll(
          `${INGEST_COLUMNS} WHERE key IN (${some.map((_, j) => `$${j + 1}`).join(', ')})`,
          some,
        );
        for (const record of reader.getRowObjectsJS().map(toIngestRecord)) known.set(record.key, record);
      }
      const outcomes: GroupOutcome[] = [];
      const fresh: DuckDBValue[][] = [];
      // Batches of a group often share keys (agents of one zone, the same minutes): summed once here.
      const sums = new TierSums(TIERS);
      const at = Date.now();
      for (const { rows, record } of batches) {
        const existing = known.get(record.key);
        if (existing) {
          try {
            outcomes.push(judgeExisting(existing, record));
          } catch (err) {
            outcomes.push(err as Error);
          }
          continue;
        }
        sums.add(rows);
        if (sums.size > TIER_SUMS_CAP) await sums.write(connection);
        const contentHash = record.contentHash ?? '';
        known.set(record.key, { ...record, at, contentHash });
        fresh.push([record.key, record.hint, record.input, at, record.accepted, record.rejected, contentHash]);
        outcomes.push('committed');
      }
      // One flush for the whole group: each flush blocks this thread, per batch it was most of the commit.
      await sums.write(connection);
      for (let i = 0; i < fresh.length; i += RECORDS_PER_STATEMENT) {
        const some = fresh.slice(i, i + RECORDS_PER_STATEMENT);
        const values = some.map((_, j) => `(${[1, 2, 3, 4, 5, 6, 7].map((c) => `$${j * 7 + c}`).join(', ')})`);
        await connection.run(`INSERT INTO ingests VALUES ${values.join(', ')}`, some.flat());
      }
      await connection.run('COMMIT');
      return outcomes;
    } catch (err) {
      try {
        await connection.run('ROLLBACK');
      } catch {
        // Already rolled back by DuckDB after a failed statement.
      }
      throw err;
    } finally {
      connection.closeSync();
    }
  }

  /** A read on the shared connection; a full disk or failed file is StoreUnavailableError. */
  private read(sql: string, params?: DuckDBValue[]) {
    return guarded(this.path, () => this.reader.runAndReadAll(sql, params));
  }

  /** A statement on the shared connection; a full disk or failed file is StoreUnavailableError. */
  private exec(sql: string, params?: DuckDBValue[]) {
    return guarded(this.path, () => this.reader.run(sql, params));
  }

  async ingestRecord(key: string): Promise<IngestRecord | undefined> {
    return (await this.ingestRows('key = $1', [key]))[0];
  }

  ingestRecordsByHint(hint: string): Promise<IngestRecord[]> {
    return this.ingestRows('hint = $1', [hint]);
  }

  private async ingestRows(where: string, params: DuckDBValue[]): Promise<IngestRecord[]> {
    const reader = await this.read(`${INGEST_COLUMNS} WHERE ${where}`, params);
    return reader.getRowObjectsJS().map(toIngestRecord);
  }

  async aggregate(q: AggregateQuery): Promise<AggregateRow[]> {
    const { sql, params, plan } = aggregateSql(q);
    const reader = await this.read(sql, params);
    return reader.getRowObjectsJS().map((r) => toAggregateRow(r, plan.dimensions));
  }

  async *aggregateChunks(q: AggregateQuery): AsyncGenerator<AggregateRow[]> {
    const { sql, params, plan } = aggregateSql(q);
    // A connection of its own: a streaming result is cut short by any other query on its connection.
    const connection = await guarded(this.path, () => this.instance.connect());
    try {
      const result = await guarded(this.path, () => connection.stream(sql, params));
      for await (const rows of result.yieldRowObjectJs()) yield rows.map((r) => toAggregateRow(r, plan.dimensions));
    } finally {
      connection.closeSync();
    }
  }

  async bucketTotals(q: AggregateQuery): Promise<Map<number, number>> {
    const { sql, params } = bucketTotalsSql(q);
    const reader = await this.read(sql, params);
    const totals = new Map<number, number>();
    for (const [t, requests] of reader.getRowsJS()) totals.set(Number(t), Number(requests));
    return totals;
  }

  async distinctValues(q: DistinctQuery): Promise<string[]> {
    const { sql, params } = distinctSql(q);
    const reader = await this.reader.runAndReadAll(sql, params);
    return reader.getRowsJS().map(([value]) => String(value));
  }

  async zones(): Promise<ZoneInfo[]> {
    const totals = zoneTotalsSql();
    const zones = new Map<string, ZoneInfo>();
    const zone = (name: string) => {
      const info = zones.get(name) ?? { zone: name, plan: DEFAULT_PLAN, requests: 0, firstSeen: null, lastSeen: null };
      zones.set(name, info);
      return info;
    };
    for (const r of (await this.read(totals.sql, totals.params)).getRowObjectsJS())
      zone(String(r.zone)).requests = Number(r.requests);
    for (const [name, plan] of (await this.read('SELECT zone, plan FROM zones')).getRowsJS())
      zone(String(name)).plan = plan as Plan;
    // Finest first: a coarser tier's row tells the first (last) minute only from a unit the finer tier no longer (not yet) holds.
    const spans = (await this.read(ZONE_SPANS_SQL)).getRowObjectsJS();
    for (const tier of TIERS) {
      for (const r of spans.filter((s) => s.tier === tier)) {
        const info = zone(String(r.zone));
        const [first, last] = [Number(r.first_ms), Number(r.last_ms)];
        const unit = (t: number) => Math.floor(t / TIER_MS[tier]) * TIER_MS[tier];
        if (info.firstSeen === null || first < unit(info.firstSeen)) info.firstSeen = first;
        if (info.lastSeen === null || last > unit(info.lastSeen)) info.lastSeen = last;
      }
    }
    return [...zones.values()].sort((a, b) => (a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0));
  }

  async zonePlan(zone: string): Promise<Plan> {
    const rows = (await this.read('SELECT plan FROM zones WHERE zone = $1', [zone])).getRowsJS();
    return (rows[0]?.[0] as Plan | undefined) ?? DEFAULT_PLAN;
  }

  async setZonePlan(zone: string, plan: Plan): Promise<void> {
    await this.exec('INSERT OR REPLACE INTO zones VALUES ($1, $2)', [zone, plan]);
  }

  async createToken(token: TokenRecord): Promise<void> {
    await this.exec("INSERT INTO tokens VALUES ($1, $2, $3, string_split($4, ','), string_split($5, ','), $6, NULL)", [
      token.id,
      token.name,
      token.hash,
      token.scopes.join(','),
      token.zones.join(','),
      token.createdAt,
    ]);
  }

  async tokens(): Promise<TokenRecord[]> {
    return this.tokenRows('true');
  }

  async tokenByHash(hash: string): Promise<TokenRecord | undefined> {
    return (await this.tokenRows('hash = $1', [hash]))[0];
  }

  private async tokenRows(where: string, params: DuckDBValue[] = []): Promise<TokenRecord[]> {
    const reader = await this.read(
      `SELECT id, name, hash, array_to_string(scopes, ',') AS scopes, array_to_string(zones, ',') AS zones, created_at_ms, revoked_at_ms
       FROM tokens WHERE ${where} ORDER BY created_at_ms, id`,
      params,
    );
    return reader.getRowObjectsJS().map((r) => ({
      id: String(r.id),
      name: String(r.name),
      hash: String(r.hash),
      scopes: String(r.scopes).split(',') as TokenRecord['scopes'],
      zones: String(r.zones).split(','),
      createdAt: Number(r.created_at_ms),
      revokedAt: r.revoked_at_ms === null ? null : Number(r.revoked_at_ms),
    }));
  }

  async revokeToken(id: string): Promise<boolean> {
    const result = await this.exec('UPDATE tokens SET revoked_at_ms = $2 WHERE id = $1 AND revoked_at_ms IS NULL', [
      id,
      Date.now(),
    ]);
    return result.rowsChanged > 0;
  }

  async storageReport(): Promise<StorageReport> {
    const time = (v: unknown) => (v === null ? null : Number(v));
    const tiers: TierReport[] = [];
    for (const tier of TIERS) {
      const [[rows, from, to]] = (
        await this.read(`SELECT count(*)::DOUBLE, min(minute_ms), max(minute_ms) FROM ${TIER_TABLES[tier]}`)
      ).getRowsJS();
      const days = this.retention[tier];
      tiers.push({ tier, rows: Number(rows), from: time(from), to: time(to), retentionDays: days === 0 ? null : days });
    }
    const bytes = this.path === ':memory:' ? null : fileBytes(this.path) + fileBytes(`${this.path}.wal`);
    return { tiers, bytes };
  }

  /** Merges every row committed so far into one row per key per tier unit (the background does it in passes). */
  compact(): Promise<CompactionPass> {
    return guarded(this.path, () => this.requireOpen().compactAll());
  }

  /** Drops rows older than each tier's retention, as if at `now` (the background does it hourly); resolves to the rows dropped. */
  applyRetention(now = Date.now()): Promise<number> {
    return guarded(this.path, () => this.requireOpen().retain(now));
  }

  private requireOpen(): Maintenance {
    if (!this.maintenance) throw new Error(`the DuckDB store ${this.path} is closed`);
    return this.maintenance;
  }

  async close(): Promise<void> {
    await this.maintenance?.stop();
    this.maintenance = undefined;
    this.reader.closeSync();
    this.instance.closeSync();
  }
}

/** The size of a file, 0 when it does not exist (a WAL after a checkpoint). */
function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Background compaction passes run this often while the store is open. */
const COMPACT_EVERY_MS = 10_000;
/** A commit lost on the ingests primary key to a concurrent commit of the same key. */
const KEY_TAKEN = /primary key|unique|conflict/i;
/** Keys looked up, or records inserted, per statement of a group commit (parameters per statement stay bounded). */
const RECORDS_PER_STATEMENT = 100;
const INGEST_COLUMNS = `SELECT key, hint, source, at_ms, accepted::DOUBLE AS accepted, rejected::DOUBLE AS rejected,
  coalesce(content_hash, '') AS content_hash FROM ingests`;

function toIngestRecord(r: Record<string, unknown>): IngestRecord {
  return {
    key: String(r.key),
    hint: String(r.hint),
    input: String(r.source),
    at: Number(r.at_ms),
    accepted: Number(r.accepted),
    rejected: Number(r.rejected),
    contentHash: String(r.content_hash),
  };
}

/** One ingest as one DuckDB transaction: rows go through an appender, the ingest key is the commit's guard. */
class DuckDBBatch implements BatchWriter {
  constructor(
    /** The file (for messages) and the records that decide a key already committed. */
    private readonly store: Pick<DuckDBStore, 'path' | 'ingestRecord'>,
    private readonly connection: DuckDBConnection,
    private readonly appender: DuckDBAppender,
  ) {}

  private closed = false;
  /** The batch's hours and days, written at commit (minutes stream to the appender as they come). */
  private readonly sums = new TierSums(['hour', 'day']);

  async append(rows: RollupRow[]): Promise<void> {
    try {
      appendRollupRows(this.appender, rows);
      this.appender.flushSync();
      this.sums.add(rows);
      if (this.sums.size > TIER_SUMS_CAP) await this.sums.write(this.connection);
    } catch (err) {
      throw storeFault(err, this.store.path);
    }
  }

  async commit(record: CommitRecord): Promise<CommitOutcome> {
    let existing: IngestRecord | undefined;
    try {
      this.appender.closeSync();
      existing = await this.store.ingestRecord(record.key);
      if (!existing) {
        await this.sums.write(this.connection);
        await this.connection.run('INSERT INTO ingests VALUES ($1, $2, $3, $4, $5, $6, $7)', [
          record.key,
          record.hint,
          record.input,
          Date.now(),
          record.accepted,
          record.rejected,
          record.contentHash ?? '',
        ]);
        await this.connection.run('COMMIT');
        this.closed = true;
        this.connection.closeSync();
        return 'committed';
      }
    } catch (err) {
      await this.abort();
      // A concurrent commit of the same key loses on the primary key: the winner's record decides.
      if (!KEY_TAKEN.test((err as Error).message)) throw storeFault(err, this.store.path);
      existing = await this.store.ingestRecord(record.key);
      if (!existing) throw storeFault(err, this.store.path);
    }
    await this.abort();
    // Same content: a duplicate; other content: a conflict. Either way nothing of this batch is written.
    return judgeExisting(existing, record);
  }

  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.connection.run('ROLLBACK');
    } catch {
      // Already rolled back by DuckDB after a failed statement.
    }
    this.connection.closeSync();
  }
}
