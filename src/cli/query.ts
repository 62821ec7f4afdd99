import { once } from 'node:events';
import type { Command } from 'commander';
import { BUCKET_NAMES, type QueryAnswer } from '../model/query.js';
import { answerCsv, answerToCsv } from '../query/csv.js';
import { toStatusQuery } from '../query/params.js';
import { answerJson, runQuery, streamQuery } from '../query/run.js';
import { queryServer } from './query-remote.js';
import { type StoreOptions, storeFrom, withStoreOptions } from './store-options.js';
import { textTable } from './table.js';

interface QueryFlags extends StoreOptions {
  zone: string;
  from: string;
  to: string;
  bucket: string;
  by?: string;
  colo?: string;
  status?: string;
  group?: string;
  host?: string;
  requestSource?: string;
  json?: boolean;
  csv?: boolean;
  server?: string;
  token?: string;
}

export function registerQuery(program: Command): void {
  withStoreOptions(
    program
      .command('query')
      .description('requests per status code and time bucket, as a table, JSON or CSV')
      .requiredOption('--zone <zone>', 'zone to query')
      .option('--from <time>', 'start: ISO 8601, now, -30m, -24h, -7d, unix seconds', '-24h')
      .option('--to <time>', 'end (exclusive)', 'now')
      .option('--bucket <size>', ['auto', ...BUCKET_NAMES].join(', '), 'auto')
      .option('--by <dims>', 'group by: status,group,colo,host,source,requestSource (comma-separated)', 'status')
      .option('--colo <colos>', 'only these data centers (comma-separated)')
      .option('--status <codes>', 'only these display statuses: 404, 5xx, ... (comma-separated)')
      .option('--group <groups>', 'only these groups: success,edge,origin,503,52x,excluded')
      .option('--host <host>', 'only this host')
      .option(
        '--request-source <sources>',
        'only these request sources: all, or eyeball,purge,edgeWorkerFetch,... (default eyeball: visitor requests; all with --by requestSource)',
      )
      .option('--json', 'print the answer as JSON')
      .option('--csv', 'print the answer as CSV')
      .option('--server <url>', 'ask a running edgestat serve (its API rules apply) instead of opening the store')
      .option('--token <token>', 'with --server: an analytics:read token (env EDGESTAT_TOKEN)'),
  ).action(async (flags: QueryFlags) => {
    if (flags.json && flags.csv) throw new Error('give either --json or --csv, not both');
    // JSON and CSV from the store stream to stdout as they are read; a table needs every row first.
    if (!flags.server && (flags.json || flags.csv)) return streamStore(flags, flags.json ? 'json' : 'csv');
    const answer = flags.server ? await askServer(flags.server, flags) : await readStore(flags);
    warnIfCut(answer);
    if (flags.json) process.stdout.write(`${JSON.stringify(answer)}\n`);
    else if (flags.csv) process.stdout.write(answerToCsv(answer));
    else process.stdout.write(`${readable(answer)}\n`);
  });
}

function warnIfCut(cut: { truncated?: true; limit?: number } | undefined): void {
  if (cut?.truncated) {
    process.stderr.write(
      `warning: only the first ${cut.limit} rows: narrow the range, take a larger bucket or filter\n`,
    );
  }
}

/** `--json` / `--csv` on the store: written as the store reads it, so memory holds one bucket, not the answer. */
async function streamStore(flags: QueryFlags, format: 'json' | 'csv'): Promise<void> {
  const query = toStatusQuery(flags);
  const store = await storeFrom(flags, { mustExist: true });
  try {
    const stream = streamQuery(store, query);
    for await (const chunk of format === 'json' ? answerJson(stream) : answerCsv(stream)) {
      if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
    }
    if (format === 'json') process.stdout.write('\n');
    warnIfCut(stream.cut());
  } finally {
    await store.close();
  }
}

/**
 * The store read directly: the operator's own tool, so it answers every breakdown a zone's data
 * holds, whatever the zone's plan (the API, and `--server`, apply plans).
 */
async function readStore(flags: QueryFlags): Promise<QueryAnswer> {
  const query = toStatusQuery(flags);
  const store = await storeFrom(flags, { mustExist: true });
  try {
    return await runQuery(store, query);
  } finally {
    await store.close();
  }
}

function askServer(server: string, flags: QueryFlags): Promise<QueryAnswer> {
  if (flags.store || flags.db) throw new Error('give either --server or --store/--db, not both');
  // Validated here too, so that a typo is reported the same way with or without --server.
  toStatusQuery(flags);
  const { zone, from, to, bucket, by, colo, status, group, host, requestSource } = flags;
  return queryServer(
    server,
    { zone, from, to, bucket, by, colo, status, group, host, requestSource },
    flags.token ?? process.env.EDGESTAT_TOKEN,
  );
}

function readable(answer: QueryAnswer): string {
  const title = `${answer.zone}  ${answer.from} → ${answer.to}  bucket ${answer.bucket}`;
  if (answer.rows.length === 0) return `${title}\nno requests in this range`;
  const headers = ['t', ...answer.by, 'requests', 'bytes', 'percent'];
  const rows = answer.rows.map((row) => {
    const record = row as unknown as Record<string, string | number>;
    return [
      row.t.replace('.000Z', 'Z'),
      ...answer.by.map((d) => String(record[d])),
      row.requests,
      row.bytes,
      `${row.percent.toFixed(2)} %`,
    ];
  });
  return `${title}\n${textTable(headers, rows)}`;
}
