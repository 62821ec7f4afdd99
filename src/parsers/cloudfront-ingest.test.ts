import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ingest } from '../ingest/pipeline.js';
import { runQuery } from '../query/run.js';
import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import { tempDir } from '../testing/paths.js';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
/** A field selection of its own, in its own order: only the header tells where sc-status is. */
const FIELDS =
  'time date x-edge-detailed-result-type sc-bytes x-edge-location sc-status x-host-header x-edge-result-type';

/** Over 1 MiB per parsing thread: lines in the second thread's blocks only parse with the header of the first. */
function cloudfrontLog(count: number): { bytes: Buffer; failed: number } {
  const parts = [`#Version: 1.0\n#Fields: ${FIELDS}\n`];
  let failed = 0;
  for (let i = 0; i < count; i++) {
    const iso = new Date(T0 + (i % 3600) * 1000).toISOString();
    const connectFailed = i % 10 === 0;
    if (connectFailed) failed++;
    parts.push(
      [
        iso.slice(11, 19),
        iso.slice(0, 10),
        connectFailed ? 'OriginConnectError' : 'Miss',
        '100',
        'FRA56-P4',
        connectFailed ? '502' : '200',
        'www.example.com',
        connectFailed ? 'Error' : 'Miss',
      ].join('\t'),
      '\n',
    );
  }
  return { bytes: gzipSync(parts.join('')), failed };
}

describe('CloudFront through the ingest pipeline', () => {
  for (const workers of [1, 2]) {
    it(`counts header lines as skipped and reads every line with the header's positions (${workers} thread${workers > 1 ? 's' : ''})`, async () => {
      const count = 60_000;
      const { bytes, failed } = cloudfrontLog(count);
      const store = await DuckDBStore.open(join(tempDir(), 'cloudfront.duckdb'));
      const result = await ingest(
        store,
        (async function* () {
          yield bytes;
        })(),
        { format: 'auto', input: 'test', parser: { zone: 'example.com' }, workers },
      );
      assert.deepEqual(
        [result.format, result.gzip, result.lines, result.accepted, result.rejected, result.skipped],
        ['cloudfront', true, count + 2, count, 0, 2],
      );
      const answer = await runQuery(store, {
        zone: 'example.com',
        from: T0,
        to: T0 + 3_600_000,
        bucket: '1d',
        by: ['status', 'colo'],
      });
      const counts = Object.fromEntries(answer.rows.map((r) => [`${r.status} ${r.colo}`, r.requests]));
      assert.deepEqual(counts, { '200 FRA': count - failed, '522 FRA': failed });
      await store.close();
    });
  }
});
