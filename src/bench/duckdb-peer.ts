/**
 * The benchmark's peer for Cloudflare ingest: DuckDB's own `read_ndjson` doing the same
 * per-minute GROUP BY into a table of a DuckDB file, in a process of its own as edgestat's
 * ingest is. `node dist/bench/duckdb-peer.js FILE DB` prints the rows and requests it wrote.
 */
import { DuckDBInstance } from '@duckdb/node-api';

const [file, db] = process.argv.slice(2);
const instance = await DuckDBInstance.create(db);
const connection = await instance.connect();
await connection.run(`
  CREATE TABLE rollup_minute AS
  SELECT time_bucket(INTERVAL 1 minute, EdgeStartTimestamp::TIMESTAMPTZ) AS minute,
         ZoneName AS zone, ClientRequestHost AS host, EdgeColoCode AS colo,
         EdgeResponseStatus AS edge_status, OriginResponseStatus AS origin_status,
         count(*) AS requests, sum(EdgeResponseBytes) AS bytes
  FROM read_ndjson('${file.replaceAll("'", "''")}')
  GROUP BY ALL`);
const reader = await connection.runAndReadAll('SELECT count(*)::BIGINT, sum(requests)::BIGINT FROM rollup_minute');
const [rows, requests] = reader.getRows()[0].map(Number);
connection.closeSync();
instance.closeSync();
process.stdout.write(`${JSON.stringify({ rows, requests })}\n`);
