/**
 * The ClickHouse schema, version by version, each a list of statements (the HTTP interface
 * takes one at a time). Only SQL that ClickHouse 18.16 (Debian's) and current releases both
 * accept: no TTL (19.6+), no LowCardinality, time as UInt32 epoch seconds so that no server
 * time zone enters the partitioning.
 */
const rollup = (table: string, withRequestSource = false) => `
  CREATE TABLE IF NOT EXISTS ${table} (
    minute        UInt32,  -- start of the minute (or hour, or day), UTC epoch seconds
    zone          String,  -- '' only on batch markers, never on requests
    host          String,
    colo          String,
    edge_status   UInt16,  -- status the client got
    status        UInt16,  -- display status
    origin_status UInt16,
    grp           String,
    source        String,${withRequestSource ? '\n    request_source String,' : ''}
    requests      UInt64,
    bytes         UInt64
  ) ENGINE = SummingMergeTree((requests, bytes))
  PARTITION BY intDiv(minute, 86400)
  ORDER BY (zone, minute, status, colo, host, edge_status, origin_status, grp, source${withRequestSource ? ', request_source' : ''})`;

export const MIGRATIONS: readonly (readonly string[])[] = [
  [
    rollup('rollup_minute'),
    rollup('rollup_hour'),
    `CREATE TABLE IF NOT EXISTS ingests (
       key String, hint String, source String, at_ms UInt64, accepted UInt64, rejected UInt64
     ) ENGINE = ReplacingMergeTree(at_ms) ORDER BY key`,
    `CREATE TABLE IF NOT EXISTS zones (zone String, plan String, version UInt64)
     ENGINE = ReplacingMergeTree(version) ORDER BY zone`,
    `CREATE TABLE IF NOT EXISTS tokens (
       id String, name String, hash String, scopes Array(String), zones Array(String),
       created_at_ms UInt64, revoked_at_ms UInt64, version UInt64
     ) ENGINE = ReplacingMergeTree(version) ORDER BY id`,
  ],
  // The content hash binds a key to its batch.
  ["ALTER TABLE ingests ADD COLUMN content_hash String DEFAULT ''"],
  // Who made the requests. In the sort key, or SummingMergeTree would merge rows of different
  // sources into one; 18.16 adds a new column to the key only without a default, so visitors
  // (every row written before) are '' (see storedRequestSource in sql.ts).
  ['rollup_minute', 'rollup_hour'].map(
    (table) => `ALTER TABLE ${table} ADD COLUMN request_source String,
       MODIFY ORDER BY (zone, minute, status, colo, host, edge_status, origin_status, grp, source, request_source)`,
  ),
  // Per UTC day, kept longest. Filled from the hourly rows of each day that has no daily rows yet,
  // so a migration cut off halfway completes when run again; commits write days before hours, so
  // a day being committed while another process migrates already has its daily rows and is
  // skipped. Batch markers are copied too: a batch that broke off before the migration and is
  // retried after it finds its hours' rows, now in the daily table, already written.
  [
    rollup('rollup_day', true),
    `INSERT INTO rollup_day (minute, zone, host, colo, edge_status, status, origin_status, grp, source, request_source, requests, bytes)
     SELECT intDiv(minute, 86400) * 86400 AS day_start, zone, host, colo, edge_status, status, origin_status, grp, source,
       request_source, sum(requests), sum(bytes)
     FROM rollup_hour
     WHERE intDiv(minute, 86400) NOT IN (SELECT DISTINCT intDiv(minute, 86400) FROM rollup_day)
     GROUP BY day_start, zone, host, colo, edge_status, status, origin_status, grp, source, request_source`,
  ],
];
