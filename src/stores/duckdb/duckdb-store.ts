import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { DEFAULT_PLAN, type Plan } from '../../model/plans.js';
import { VISITOR } from '../../model/request-source.js';
import type { TokenRecord } from '../../model/tokens.js';
import type { RollupRow } from '../../rollup/rollup.js';
import { judgeExisting } from '../idempotency.js';
import { toAggregateRow } from '../plan.js';
import type {
  AggregateQuery,
  AggregateRow,
  BatchWriter,
  CommitOutcome,
  CommitRecord,
  DistinctQuery,
  IngestRecord,
  Store,
  ZoneInfo,
} from '../store.js';
import { guarded, storeFault } from './faults.js';
import { checkReadable, openError, ownerOnlyFiles } from './open-check.js';
import { MIGRATIONS } from './schema.js';
import { aggregateSql, bucketTotalsSql, distinctSql } from './sql.js';

/** The embedded store: one DuckDB file, opened by one process at a time. */
export class DuckDBStore implements Store {
  readonly kind = 'duckdb' as const;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly reader: DuckDBConnection,
  ) {}

  static async open(path: string): Promise<DuckDBStore> {
    ownerOnlyFiles();
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path);
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
    const store = new DuckDBStore(path, instance, reader);
    await store.migrate();
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
      return new DuckDBBatch(this, connection, await connection.createAppender('rollup_minute'));
    });
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
    const reader = await this.read(
      `SELECT key, hint, source, at_ms, accepted::DOUBLE AS accepted, rejected::DOUBLE AS rejected, coalesce(content_hash, '') AS content_hash
       FROM ingests WHERE ${where}`,
      params,
    );
    return reader.getRowObjectsJS().map((r) => ({
      key: String(r.key),
      hint: String(r.hint),
      source: String(r.source),
      at: Number(r.at_ms),
      accepted: Number(r.accepted),
      rejected: Number(r.rejected),
      contentHash: String(r.content_hash),
    }));
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
    const reader = await this.read(`
      WITH seen AS (
        SELECT zone, sum(requests)::DOUBLE AS requests, min(minute_ms) AS first_ms, max(minute_ms) AS last_ms
        FROM rollup_minute GROUP BY zone
      )
      SELECT coalesce(s.zone, z.zone) AS zone, z.plan, coalesce(s.requests, 0) AS requests, s.first_ms, s.last_ms
      FROM seen s FULL OUTER JOIN zones z ON s.zone = z.zone
      ORDER BY 1`);
    return reader.getRowObjectsJS().map((r) => ({
      zone: String(r.zone),
      plan: (r.plan as Plan | null) ?? DEFAULT_PLAN,
      requests: Number(r.requests),
      firstSeen: r.first_ms === null ? null : Number(r.first_ms),
      lastSeen: r.last_ms === null ? null : Number(r.last_ms),
    }));
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

  async close(): Promise<void> {
    this.reader.closeSync();
    this.instance.closeSync();
  }
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

  async append(rows: RollupRow[]): Promise<void> {
    try {
      this.appendRows(rows);
    } catch (err) {
      throw storeFault(err, this.store.path);
    }
  }

  private appendRows(rows: RollupRow[]): void {
    const a = this.appender;
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
    a.flushSync();
  }

  async commit(record: CommitRecord): Promise<CommitOutcome> {
    let existing: IngestRecord | undefined;
    try {
      this.appender.closeSync();
      existing = await this.store.ingestRecord(record.key);
      if (!existing) {
        await this.connection.run('INSERT INTO ingests VALUES ($1, $2, $3, $4, $5, $6, $7)', [
          record.key,
          record.hint,
          record.source,
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
      if (!/primary key|unique|conflict/i.test((err as Error).message)) throw storeFault(err, this.store.path);
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
