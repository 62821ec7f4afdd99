import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { Group, Source } from '../../classify/rules.js';
import { type RequestSource, VISITOR } from '../../model/request-source.js';
import type { RollupRow } from '../../rollup/rollup.js';
import { IdempotencyConflictError, judgeExisting } from '../idempotency.js';
import {
  type AggregateQuery,
  type AggregateRow,
  type BatchWriter,
  type CommitOutcome,
  type CommitRecord,
  DEFAULT_PLAN,
  type DistinctQuery,
  type IngestRecord,
  type Plan,
  type Store,
  StoreUnavailableError,
  type TokenRecord,
  type ZoneInfo,
} from '../store.js';
import { dropStaleClaims, KeyClaim } from './claim.js';
import { MIGRATIONS } from './schema.js';
import { aggregateSql, bucketTotalsSql, distinctSql, int, storedRequestSource, str } from './sql.js';

const DAY_S = 86_400;
/** Rows per INSERT: one block, so one part, so all or nothing (see `writeOnce`). */
const ROWS_PER_INSERT = 100_000;
const RETENTION_EVERY_MS = 3_600_000;
/** Claims left by processes that died are dropped by retention after a day (they expire after their lease anyway). */
const STALE_CLAIM_MS = 86_400_000;

export interface ClickHouseOptions {
  /** HTTP endpoint, e.g. http://127.0.0.1:8123 */
  url: string;
  database: string;
  username?: string;
  password?: string;
  /** Days kept per minute and per hour; 0 keeps everything. */
  minuteRetentionDays: number;
  hourRetentionDays: number;
  /** How long a request may take before the store counts ClickHouse as unavailable. */
  timeoutMs: number;
  /** After how long without renewal another process may take over a batch's commit claim (see KeyClaim). */
  claimLeaseMs: number;
}

/** Reads `clickhouse://[user[:password]@]HOST:PORT/DATABASE[?minute_retention_days=35&hour_retention_days=800&timeout_ms=30000&claim_lease_ms=90000]`. */
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
    timeoutMs,
    // A holder renews within a third of the lease plus one request: three timeouts leave room for both.
    claimLeaseMs: number('claim_lease_ms', Math.max(60_000, 3 * timeoutMs)),
  };
}

/**
 * The store for operators beyond one machine: per-minute and per-hour rollups in
 * SummingMergeTree tables on ClickHouse, shared by any number of edgestat processes.
 */
export class ClickHouseStore implements Store {
  readonly kind = 'clickhouse' as const;
  private lastRetention = 0;

  private constructor(
    private readonly options: ClickHouseOptions,
    private readonly client: ClickHouseClient,
    /** Newer servers parse one INSERT in parallel chunks unless told not to; 18.16 knows no such setting. */
    private readonly insertSettings: Record<string, 0 | 1>,
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
      throw unavailable(options, err);
    } finally {
      await admin.close();
    }
    const store = new ClickHouseStore(
      options,
      connect(options.database),
      major >= 20 ? { input_format_parallel_parsing: 0 } : {},
    );
    await store.migrate();
    return store;
  }

  get database(): string {
    return this.options.database;
  }

  /** The claim timing: the lease, and a wait of one request timeout for a holder to finish. */
  get claimTiming() {
    return { leaseMs: this.options.claimLeaseMs, waitMs: this.options.timeoutMs };
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
    return new ClickHouseBatch(this);
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
      source: r.source,
      at: Number(r.at_ms),
      accepted: Number(r.accepted),
      rejected: Number(r.rejected),
      contentHash: r.content_hash,
    }));
  }

  async aggregate(q: AggregateQuery): Promise<AggregateRow[]> {
    const rows = await this.rows<Record<string, string | number>>(aggregateSql(q));
    return rows.map((r) => {
      const row: AggregateRow = { t: Number(r.t), requests: Number(r.requests), bytes: Number(r.bytes) };
      if ('status' in r) row.status = Number(r.status);
      if ('group' in r) row.group = r.group as Group;
      if ('colo' in r) row.colo = String(r.colo);
      if ('host' in r) row.host = String(r.host);
      if ('source' in r) row.source = r.source as Source;
      if ('requestSource' in r) row.requestSource = r.requestSource as RequestSource;
      return row;
    });
  }

  async bucketTotals(q: AggregateQuery): Promise<Map<number, number>> {
    const rows = await this.rows<{ t: string; requests: string }>(bucketTotalsSql(q));
    return new Map(rows.map((r) => [Number(r.t), Number(r.requests)]));
  }

  async distinctValues(q: DistinctQuery): Promise<string[]> {
    return (await this.rows<{ value: string }>(distinctSql(q))).map((r) => r.value);
  }

  /**
   * Zones with their plan, requests, first and last minute. The hourly table keeps the longer
   * history, the minute table the exact minutes of what it still holds.
   */
  async zones(): Promise<ZoneInfo[]> {
    const summary = (table: string) =>
      this.rows<{ zone: string; requests: string; first: string; last: string }>(
        `SELECT zone, sum(requests) AS requests, min(minute) AS first, max(minute) AS last FROM ${table} WHERE zone != '' GROUP BY zone`,
      );
    const [minutes, hours, plans] = await Promise.all([
      summary('rollup_minute'),
      summary('rollup_hour'),
      this.rows<{ zone: string; plan: Plan }>('SELECT zone, plan FROM zones FINAL'),
    ]);
    const zones = new Map<string, ZoneInfo>();
    const info = (zone: string) => {
      const z = zones.get(zone) ?? { zone, plan: DEFAULT_PLAN, requests: 0, firstSeen: null, lastSeen: null };
      zones.set(zone, z);
      return z;
    };
    for (const h of hours) {
      Object.assign(info(h.zone), {
        requests: Number(h.requests),
        firstSeen: Number(h.first) * 1000,
        lastSeen: Number(h.last) * 1000,
      });
    }
    for (const m of minutes) {
      const z = info(m.zone);
      const first = Number(m.first) * 1000;
      // The hourly first is the start of the first hour: the minute table knows the minute, unless it aged out.
      if (z.firstSeen === null || first - (first % 3_600_000) <= z.firstSeen) z.firstSeen = first;
      z.lastSeen = Number(m.last) * 1000;
      z.requests = Math.max(z.requests, Number(m.requests));
    }
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

  async close(): Promise<void> {
    await this.client.close();
  }

  /**
   * Drops whole days older than the retention of each table. TTL would do this on current
   * releases, but 18.16 has none; dropping partitions works on both and costs nothing.
   */
  async applyRetention(now = Date.now()): Promise<void> {
    this.lastRetention = now;
    const today = Math.floor(now / 1000 / DAY_S);
    for (const [table, days] of [
      ['rollup_minute', this.options.minuteRetentionDays],
      ['rollup_hour', this.options.hourRetentionDays],
    ] as const) {
      if (days === 0) continue;
      const parts = await this.rows<{ partition: string }>(
        `SELECT DISTINCT partition FROM system.parts WHERE database = ${str(this.options.database)} AND table = ${str(table)} AND active`,
      );
      for (const { partition } of parts) {
        if (Number(partition) < today - days)
          await this.run(`ALTER TABLE ${table} DROP PARTITION ${int(Number(partition))}`);
      }
    }
    await dropStaleClaims(this, Math.max(STALE_CLAIM_MS, this.options.claimLeaseMs));
  }

  /** After a commit: retention at most once an hour. */
  async afterCommit(): Promise<void> {
    if (Date.now() - this.lastRetention >= RETENTION_EVERY_MS) await this.applyRetention();
  }

  async run(query: string): Promise<void> {
    try {
      await this.client.command({ query });
    } catch (err) {
      throw unavailable(this.options, err);
    }
  }

  async rows<T>(query: string): Promise<T[]> {
    try {
      return await (await this.client.query({ query, format: 'JSONEachRow' })).json<T>();
    } catch (err) {
      throw unavailable(this.options, err);
    }
  }

  async insert(table: string, values: Record<string, unknown>[]): Promise<void> {
    try {
      await this.client.insert({ table, values, format: 'JSONEachRow', clickhouse_settings: this.insertSettings });
    } catch (err) {
      throw unavailable(this.options, err);
    }
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

/** Connection failures and timeouts become StoreUnavailableError (retry later); SQL errors stay what they are. */
function unavailable(options: ClickHouseOptions, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  const network = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|socket hang up|Timeout/i;
  if (network.test(String(e.code)) || network.test(e.message)) {
    return new StoreUnavailableError(
      `ClickHouse at ${options.url} is unavailable (${e.message}): nothing was lost, retry later`,
    );
  }
  return err as Error;
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
class ClickHouseBatch implements BatchWriter {
  private readonly rows = new Map<string, RollupRow>();

  constructor(private readonly store: ClickHouseStore) {}

  async append(rows: RollupRow[]): Promise<void> {
    for (const r of rows) add(this.rows, r, r.minute);
  }

  async commit(record: CommitRecord): Promise<CommitOutcome> {
    const claim = await KeyClaim.acquire(
      this.store,
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
      for (const [, r] of minutes) add(hours, r, r.minute - (r.minute % 3_600_000));
      const contentHash = record.contentHash ?? '';
      const plans = await plan(
        this.store,
        [
          ['rollup_minute', minutes],
          ['rollup_hour', [...hours.entries()]],
        ],
        record.key,
        contentHash,
      );
      // Checked for both tables before anything is written: a conflict writes nothing.
      if (plans.some((p) => p.conflict)) throw new IdempotencyConflictError(record.key);
      for (const p of plans) {
        for (const part of p.parts) {
          await claim.hold();
          await this.store.insert(p.table, values(part, contentHash));
        }
      }
      await claim.hold();
      await this.store.insert('ingests', [
        {
          key: record.key,
          hint: record.hint,
          source: record.source,
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
async function plan(
  store: ClickHouseStore,
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
  const landed = await store.rows<{ t: string; host: string; colo: string }>(
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
  const out: Record<string, unknown>[] = part.rows.map((r) => ({
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
  }));
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
