import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { DEFAULT_PLAN, type Plan } from '../../model/plans.js';
import type { TokenRecord } from '../../model/tokens.js';
import { commitEach } from '../group.js';
import { TIER_MS, type Tier, toAggregateRow } from '../plan.js';
import type {
  AggregateQuery,
  AggregateRow,
  BatchWriter,
  DistinctQuery,
  GroupedBatch,
  GroupOutcome,
  IngestRecord,
  StorageReport,
  Store,
  ZoneInfo,
} from '../store.js';
import { ClickHouseBatch, DAY_S } from './batch.js';
import { dropStaleClaims } from './claim.js';
import { ClickHouseConnection, unavailable } from './connection.js';
import { MIGRATIONS } from './schema.js';
import { aggregateSql, bucketTotalsSql, distinctSql, int, str, TABLES } from './sql.js';

const RETENTION_EVERY_MS = 3_600_000;
/** Claims left by processes that died are dropped by retention after a day (they expire after their lease anyway). */
const STALE_CLAIM_MS = 86_400_000;

export interface ClickHouseOptions {
  /** HTTP endpoint, e.g. http://127.0.0.1:8123 */
  url: string;
  database: string;
  username?: string;
  password?: string;
  /** Days kept per minute, per hour and per day; 0 keeps everything. */
  minuteRetentionDays: number;
  hourRetentionDays: number;
  dayRetentionDays: number;
  /** How long a request may take before the store counts ClickHouse as unavailable. */
  timeoutMs: number;
  /** After how long without renewal another process may take over a batch's commit claim (see KeyClaim). */
  claimLeaseMs: number;
}

/** Reads `clickhouse://[user[:password]@]HOST:PORT/DATABASE[?minute_retention_days=35&hour_retention_days=800&day_retention_days=0&timeout_ms=30000&claim_lease_ms=90000]`. */
export function parseClickHouseUrl(text: string): ClickHouseOptions {
  const url = new URL(text);
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'edgestat';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new Error(`ClickHouse database "${database}" must be letters, digits and _ (from ${text})`);
  }
  const number = (name: string, fallback: number) => {
    const raw = url.searchParams.get(name);
    const value = raw === null ? fallback : Number(raw);
    if (!(Number.isInteger(value) && value >= 0)) throw new Error(`${name} must be a whole number ≥ 0, got "${raw}"`);
    return value;
  };
  const timeoutMs = number('timeout_ms', 30_000);
  return {
    url: `http://${url.hostname}:${url.port || 8123}`,
    database,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    minuteRetentionDays: number('minute_retention_days', 35),
    hourRetentionDays: number('hour_retention_days', 800),
    dayRetentionDays: number('day_retention_days', 0),
    timeoutMs,
    // A holder renews within a third of the lease plus one request: three timeouts leave room for both.
    claimLeaseMs: number('claim_lease_ms', Math.max(60_000, 3 * timeoutMs)),
  };
}

/**
 * The store for operators beyond one machine: per-minute, per-hour and per-day rollups in
 * SummingMergeTree tables on ClickHouse, shared by any number of edgestat processes.
 */
export class ClickHouseStore implements Store {
  readonly kind = 'clickhouse' as const;
  private lastRetention = 0;

  private constructor(
    private readonly options: ClickHouseOptions,
    /** SQL on the store's database. Public so that tests can read what landed and inject faults. */
    readonly connection: ClickHouseConnection,
  ) {}

  static async open(url: string): Promise<ClickHouseStore> {
    const options = parseClickHouseUrl(url);
    const connect = (database?: string) =>
      createClient({
        url: options.url,
        database,
        username: options.username,
        password: options.password ?? '',
        request_timeout: options.timeoutMs,
        // Failures reach the caller as errors that say what to do; the client's own log would repeat them.
        log: { level: ClickHouseLogLevel.OFF },
      });
    const admin = connect();
    let major: number;
    try {
      await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${options.database}` });
      const version = await (await admin.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })).json<{
        v: string;
      }>();
      major = Number(version[0].v.split('.')[0]);
    } catch (err) {
      throw unavailable(options.url, err);
    } finally {
      await admin.close();
    }
    const store = new ClickHouseStore(
      options,
      new ClickHouseConnection(
        connect(options.database),
        options.url,
        options.database,
        major >= 20 ? { input_format_parallel_parsing: 0 } : {},
      ),
    );
    await store.migrate();
    return store;
  }

  async migrate(): Promise<void> {
    await this.run('CREATE TABLE IF NOT EXISTS schema_version (version UInt32) ENGINE = TinyLog');
    const [row] = await this.rows<{ v: string }>('SELECT max(version) AS v FROM schema_version');
    for (let version = Number(row?.v ?? 0) + 1; version <= MIGRATIONS.length; version++) {
      for (const statement of MIGRATIONS[version - 1]) {
        try {
          await this.run(statement);
        } catch (err) {
          // 18.16 knows no ADD COLUMN IF NOT EXISTS: a process that migrated at the same moment added it already.
          if (!/ADD COLUMN/.test(statement) || !/already exists/i.test((err as Error).message)) throw err;
        }
      }
      await this.run(`INSERT INTO schema_version VALUES (${int(version)})`);
    }
    await this.applyRetention();
  }

  async openBatch(): Promise<BatchWriter> {
    // The batch gets what it needs, not the store: SQL, the claim timing, records, housekeeping.
    return new ClickHouseBatch({
      connection: this.connection,
      // The lease, and a wait of one request timeout for a holder to finish.
      claimTiming: { leaseMs: this.options.claimLeaseMs, waitMs: this.options.timeoutMs },
      ingestRecord: (key) => this.ingestRecord(key),
      afterCommit: () => this.afterCommit(),
    });
  }

  /**
   * Batch by batch, each with its own INSERTs, markers and claim: ClickHouse 18.16 has no
   * transaction that could make several keys durable or absent together.
   */
  commitGroup(batches: readonly GroupedBatch[]): Promise<GroupOutcome[]> {
    return commitEach(this, batches);
  }

  async ingestRecord(key: string): Promise<IngestRecord | undefined> {
    return (await this.ingestRows(`key = ${str(key)}`))[0];
  }

  ingestRecordsByHint(hint: string): Promise<IngestRecord[]> {
    return this.ingestRows(`hint = ${str(hint)}`);
  }

  private async ingestRows(where: string): Promise<IngestRecord[]> {
    const rows = await this.rows<Record<string, string>>(
      `SELECT key, hint, source, at_ms, accepted, rejected, content_hash FROM ingests FINAL WHERE ${where}`,
    );
    return rows.map((r) => ({
      key: r.key,
      hint: r.hint,
      input: r.source,
      at: Number(r.at_ms),
      accepted: Number(r.accepted),
      rejected: Number(r.rejected),
      contentHash: r.content_hash,
    }));
  }

  async aggregate(q: AggregateQuery): Promise<AggregateRow[]> {
    const { sql, plan } = aggregateSql(q);
    const rows = await this.rows<Record<string, string | number>>(sql);
    return rows.map((r) => toAggregateRow(r, plan.dimensions));
  }

  async *aggregateChunks(q: AggregateQuery): AsyncGenerator<AggregateRow[]> {
    const { sql, plan } = aggregateSql(q);
    for await (const rows of this.connection.rowChunks<Record<string, string | number>>(sql)) {
      yield rows.map((r) => toAggregateRow(r, plan.dimensions));
    }
  }

  async bucketTotals(q: AggregateQuery): Promise<Map<number, number>> {
    const rows = await this.rows<{ t: string; requests: string }>(bucketTotalsSql(q));
    return new Map(rows.map((r) => [Number(r.t), Number(r.requests)]));
  }

  async distinctValues(q: DistinctQuery): Promise<string[]> {
    return (await this.rows<{ value: string }>(distinctSql(q))).map((r) => r.value);
  }

  /**
   * Zones with their plan, requests, first and last minute. The coarser tiers keep the longer
   * history, the finer ones the exact minutes of what they still hold.
   */
  async zones(): Promise<ZoneInfo[]> {
    const summary = (table: string) =>
      this.rows<{ zone: string; requests: string; first: string; last: string }>(
        `SELECT zone, sum(requests) AS requests, min(minute) AS first, max(minute) AS last FROM ${table} WHERE zone != '' GROUP BY zone`,
      );
    const coarsestFirst = this.tiers().reverse();
    const [plans, ...summaries] = await Promise.all([
      this.rows<{ zone: string; plan: Plan }>('SELECT zone, plan FROM zones FINAL'),
      ...coarsestFirst.map(([, table]) => summary(table)),
    ]);
    const zones = new Map<string, ZoneInfo>();
    const info = (zone: string) => {
      const z = zones.get(zone) ?? { zone, plan: DEFAULT_PLAN, requests: 0, firstSeen: null, lastSeen: null };
      zones.set(zone, z);
      return z;
    };
    coarsestFirst.forEach((_, i) => {
      const coarser = i === 0 ? 1 : TIER_MS[coarsestFirst[i - 1][0]];
      for (const row of summaries[i]) {
        const z = info(row.zone);
        const first = Number(row.first) * 1000;
        // A coarser tier's first is the start of its first unit: a finer one knows better, unless it aged out.
        if (z.firstSeen === null || first - (first % coarser) <= z.firstSeen) z.firstSeen = first;
        z.lastSeen = Number(row.last) * 1000;
        z.requests = Math.max(z.requests, Number(row.requests));
      }
    });
    for (const p of plans) info(p.zone).plan = p.plan;
    return [...zones.values()].sort((a, b) => (a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0));
  }

  async zonePlan(zone: string): Promise<Plan> {
    const [row] = await this.rows<{ plan: Plan }>(`SELECT plan FROM zones FINAL WHERE zone = ${str(zone)}`);
    return row?.plan ?? DEFAULT_PLAN;
  }

  async setZonePlan(zone: string, plan: Plan): Promise<void> {
    await this.insert('zones', [{ zone, plan, version: Date.now() }]);
  }

  async createToken(token: TokenRecord): Promise<void> {
    await this.insert('tokens', [tokenRow(token, 0)]);
  }

  tokens(): Promise<TokenRecord[]> {
    return this.tokenRows('1');
  }

  async tokenByHash(hash: string): Promise<TokenRecord | undefined> {
    return (await this.tokenRows(`hash = ${str(hash)}`))[0];
  }

  private async tokenRows(where: string): Promise<TokenRecord[]> {
    const rows = await this.rows<Record<string, string | string[]>>(
      `SELECT id, name, hash, scopes, zones, created_at_ms, revoked_at_ms FROM tokens FINAL WHERE ${where} ORDER BY created_at_ms, id`,
    );
    return rows.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      hash: String(r.hash),
      scopes: r.scopes as TokenRecord['scopes'],
      zones: r.zones as string[],
      createdAt: Number(r.created_at_ms),
      revokedAt: Number(r.revoked_at_ms) || null,
    }));
  }

  async revokeToken(id: string): Promise<boolean> {
    const [token] = await this.tokenRows(`id = ${str(id)}`);
    if (!token || token.revokedAt !== null) return false;
    await this.insert('tokens', [tokenRow({ ...token, revokedAt: Date.now() }, 1)]);
    return true;
  }

  /** Each tier with its table and the days it keeps (0: for ever), finest first. */
  private tiers(): [Tier, string, number][] {
    const { minuteRetentionDays, hourRetentionDays, dayRetentionDays } = this.options;
    return [
      ['minute', TABLES.minute, minuteRetentionDays],
      ['hour', TABLES.hour, hourRetentionDays],
      ['day', TABLES.day, dayRetentionDays],
    ];
  }

  async storageReport(): Promise<StorageReport> {
    const report: StorageReport = { tiers: [], bytes: 0 };
    for (const [tier, table, days] of this.tiers()) {
      // Batch markers have zone '': they are not requests.
      const [r] = await this.rows<{ rows: string; from: string | null; to: string | null }>(
        `SELECT toString(count()) AS rows, if(count() = 0, NULL, toString(toUInt64(min(minute)) * 1000)) AS from,
           if(count() = 0, NULL, toString(toUInt64(max(minute)) * 1000)) AS to FROM ${table} WHERE zone != ''`,
      );
      report.tiers.push({
        tier,
        rows: Number(r.rows),
        from: r.from === null ? null : Number(r.from),
        to: r.to === null ? null : Number(r.to),
        retentionDays: days === 0 ? null : days,
      });
    }
    const [size] = await this.rows<{ bytes: string }>(
      `SELECT toString(sum(bytes_on_disk)) AS bytes FROM system.parts WHERE database = ${str(this.options.database)} AND active`,
    );
    report.bytes = Number(size.bytes);
    return report;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  /**
   * Drops whole days older than the retention of each table. TTL would do this on current
   * releases, but 18.16 has none; dropping partitions works on both and costs nothing.
   */
  async applyRetention(now = Date.now()): Promise<void> {
    this.lastRetention = now;
    const today = Math.floor(now / 1000 / DAY_S);
    for (const [, table, days] of this.tiers()) {
      if (days === 0) continue;
      const parts = await this.rows<{ partition: string }>(
        `SELECT DISTINCT partition FROM system.parts WHERE database = ${str(this.options.database)} AND table = ${str(table)} AND active`,
      );
      for (const { partition } of parts) {
        if (Number(partition) < today - days)
          await this.run(`ALTER TABLE ${table} DROP PARTITION ${int(Number(partition))}`);
      }
    }
    await dropStaleClaims(this.connection, Math.max(STALE_CLAIM_MS, this.options.claimLeaseMs));
  }

  /** After a commit: retention at most once an hour. */
  private async afterCommit(): Promise<void> {
    if (Date.now() - this.lastRetention >= RETENTION_EVERY_MS) await this.applyRetention();
  }

  private run(query: string): Promise<void> {
    return this.connection.run(query);
  }

  private rows<T>(query: string): Promise<T[]> {
    return this.connection.rows<T>(query);
  }

  private insert(table: string, values: Record<string, unknown>[]): Promise<void> {
    return this.connection.insert(table, values);
  }
}

function tokenRow(t: TokenRecord, version: number) {
  return {
    id: t.id,
    name: t.name,
    hash: t.hash,
    scopes: t.scopes,
    zones: t.zones,
    created_at_ms: t.createdAt,
    revoked_at_ms: t.revokedAt ?? 0,
    version,
  };
}
