import type { RollupRow } from '../rollup/rollup.js';

/**
 * Cloudflare Logpush (http_requests) NDJSON lines for rollup rows: one line per request, at a
 * random time in [from, to). The live feed pushes these through the real push ingest API.
 */
export function cloudflareLines(rows: RollupRow[], from: number, to: number, rand: () => number): string[] {
  const lines: string[] = [];
  for (const row of rows) {
    const bytes = Math.round(row.bytes / row.requests);
    for (let i = 0; i < row.requests; i++) {
      lines.push(
        JSON.stringify({
          EdgeStartTimestamp: new Date(from + Math.floor(rand() * (to - from))).toISOString(),
          ClientRequestHost: row.host,
          EdgeColoCode: row.colo,
          EdgeResponseStatus: row.edgeStatus,
          OriginResponseStatus: row.originStatus,
          EdgeResponseBytes: bytes,
        }),
      );
    }
  }
  return lines;
}
