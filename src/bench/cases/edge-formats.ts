import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ingest } from '../../ingest/pipeline.js';
import { emptyRequest, resetRequest } from '../../model/request.js';
import { createParser } from '../../parsers/registry.js';
import { DuckDBStore } from '../../stores/duckdb/duckdb-store.js';
import { fixture, tempDir } from '../../testing/paths.js';

/** The edge formats of issue 6 and the fixture whose lines (documented examples and mapping rows) each repeats. */
const FORMATS: ReadonlyArray<readonly [string, string]> = [
  ['cloudfront', fixture('cloudfront', 'standard.log')],
  ['alb', fixture('alb', 'access.log')],
  ['caddy', fixture('caddy', 'access.log')],
  ['haproxy', fixture('haproxy', 'httplog.log')],
  ['envoy', fixture('envoy', 'access.log')],
];

export interface EdgeFormatResult {
  name: string;
  lines: number;
  /** The parser alone, on this thread: the per-line hot path. */
  parseLinesPerSecond: number;
  /** Whole ingest of a plain file into DuckDB on one thread (parse, classify, roll up, commit). */
  ingestLinesPerSecond: number;
}

/**
 * Measures each edge format: parse rate and single-thread ingest rate of `lines` lines.
 * `peers` adds formats measured the same way from samples of their own (format, file of valid lines).
 */
export async function edgeFormats(
  options: { lines?: number; peers?: ReadonlyArray<readonly [string, string]> } = {},
): Promise<EdgeFormatResult[]> {
  const results: EdgeFormatResult[] = [];
  for (const [format, path] of [...(options.peers ?? []), ...FORMATS]) {
    const sample = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    const requests = sample.filter((line) => !line.startsWith('#'));
    const want = options.lines ?? 500_000;
    const lines: string[] = sample.filter((line) => line.startsWith('#'));
    while (lines.length < want) lines.push(...requests);
    const text = `${lines.join('\n')}\n`;

    const parser = createParser(format, { zone: 'example.com' });
    const request = emptyRequest();
    let started = performance.now();
    for (const line of lines) {
      resetRequest(request);
      parser.parse(line, request);
    }
    const parseSeconds = (performance.now() - started) / 1000;

    const dir = tempDir(`edgestat-bench-${format}-`);
    const store = await DuckDBStore.open(join(dir, 'bench.duckdb'));
    started = performance.now();
    const bytes = Buffer.from(text);
    const result = await ingest(
      store,
      (async function* () {
        for (let i = 0; i < bytes.length; i += 256 * 1024) yield bytes.subarray(i, i + 256 * 1024);
      })(),
      { format, parser: { zone: 'example.com' }, input: 'bench' },
    );
    const ingestSeconds = (performance.now() - started) / 1000;
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    results.push({
      name: `ingest-${format}`,
      lines: result.lines,
      parseLinesPerSecond: Math.round(lines.length / parseSeconds),
      ingestLinesPerSecond: Math.round(result.lines / ingestSeconds),
    });
  }
  return results;
}
