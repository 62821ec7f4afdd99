/** The DuckDB schema, version by version. `migrate` applies the ones the file lacks. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE rollup_minute (
    minute_ms     BIGINT   NOT NULL, -- start of the minute, UTC epoch ms
    zone          VARCHAR  NOT NULL,
    host          VARCHAR  NOT NULL,
    colo          VARCHAR  NOT NULL,
    edge_status   USMALLINT NOT NULL, -- status the client got
    status        USMALLINT NOT NULL, -- display status
    origin_status USMALLINT NOT NULL,
    grp           VARCHAR  NOT NULL,
    source        VARCHAR  NOT NULL,
    requests      UBIGINT  NOT NULL,
    bytes         UBIGINT  NOT NULL
  );
  CREATE TABLE ingests (
    key      VARCHAR PRIMARY KEY,
    hint     VARCHAR NOT NULL,
    source   VARCHAR NOT NULL,
    at_ms    BIGINT  NOT NULL,
    accepted UBIGINT NOT NULL,
    rejected UBIGINT NOT NULL
  );
  CREATE TABLE zones (zone VARCHAR PRIMARY KEY, plan VARCHAR NOT NULL);
  CREATE TABLE tokens (
    id            VARCHAR PRIMARY KEY,
    name          VARCHAR NOT NULL,
    hash          VARCHAR NOT NULL UNIQUE,
    scopes        VARCHAR[] NOT NULL,
    zones         VARCHAR[] NOT NULL,
    created_at_ms BIGINT NOT NULL,
    revoked_at_ms BIGINT
  );
  `,
  // The content hash binds a key to its batch (a constraint cannot be added to an existing column here).
  "ALTER TABLE ingests ADD COLUMN content_hash VARCHAR DEFAULT ''",
  // Who made the requests (visitors or the edge itself); every row before it was kept is a visitor's.
  "ALTER TABLE rollup_minute ADD COLUMN request_source VARCHAR DEFAULT 'eyeball'",
  // Hour and day tiers (minute_ms is the tier's start) filled from the minutes, and the slices
  // compaction still has to merge: every hour of minutes written so far, batch by batch.
  `
  CREATE TABLE rollup_hour (
    minute_ms BIGINT NOT NULL, zone VARCHAR NOT NULL, host VARCHAR NOT NULL, colo VARCHAR NOT NULL,
    edge_status USMALLINT NOT NULL, status USMALLINT NOT NULL, origin_status USMALLINT NOT NULL,
    grp VARCHAR NOT NULL, source VARCHAR NOT NULL, requests UBIGINT NOT NULL, bytes UBIGINT NOT NULL,
    request_source VARCHAR NOT NULL DEFAULT 'eyeball'
  );
  CREATE TABLE rollup_day (
    minute_ms BIGINT NOT NULL, zone VARCHAR NOT NULL, host VARCHAR NOT NULL, colo VARCHAR NOT NULL,
    edge_status USMALLINT NOT NULL, status USMALLINT NOT NULL, origin_status USMALLINT NOT NULL,
    grp VARCHAR NOT NULL, source VARCHAR NOT NULL, requests UBIGINT NOT NULL, bytes UBIGINT NOT NULL,
    request_source VARCHAR NOT NULL DEFAULT 'eyeball'
  );
  INSERT INTO rollup_hour SELECT minute_ms // 3600000 * 3600000, zone, host, colo, edge_status, status, origin_status,
    grp, source, sum(requests)::UBIGINT, sum(bytes)::UBIGINT, request_source FROM rollup_minute GROUP BY ALL;
  INSERT INTO rollup_day SELECT minute_ms // 86400000 * 86400000, zone, host, colo, edge_status, status, origin_status,
    grp, source, sum(requests)::UBIGINT, sum(bytes)::UBIGINT, request_source FROM rollup_hour GROUP BY ALL;
  CREATE TABLE compaction_dirty (tier VARCHAR NOT NULL, zone VARCHAR NOT NULL, slice_ms BIGINT NOT NULL);
  INSERT INTO compaction_dirty SELECT DISTINCT 'minute', zone, minute_ms // 3600000 * 3600000 FROM rollup_minute;
  `,
];
