import type { Command } from 'commander';
import { DEFAULT_CARDINALITY } from '../ingest/cardinality.js';
import { FORMAT_CHOICES, formatDescriptions } from '../parsers/registry.js';
import { DEFAULT_MAX_LINE_BYTES } from '../sources/lines.js';
import type { IngestFlags } from './ingest-run.js';
import { integerOption, numberOption } from './numbers.js';
import { withStoreOptions } from './store-options.js';

/** Longest line limit a user may set: 1 GiB, past which one line is not a log line. */
const MAX_LINE_BYTES = 1024 * 1024 * 1024;

export function registerIngest(program: Command): void {
  withStoreOptions(
    program
      .command('ingest')
      .description('ingest log files (plain or gzip) or stdin (-) into the store')
      .argument('<files...>', 'log files, or - for stdin')
      .option('--format <format>', FORMAT_CHOICES, 'auto')
      .option('--zone <zone>', 'zone for lines that carry none')
      .option('--colo <colo>', 'data center for lines that carry none')
      .option('--nginx-log-format <format>', "nginx: your log_format string, verbatim (default: nginx's combined)")
      .option('--colo-var <name>', 'nginx: the variable of the format that holds the data center', 'colo')
      .option('--map <mapping>', 'ndjson: field mapping, e.g. ts=time,status=code,colo=pop')
      .option('--force', 'ingest a file again even if it was ingested before (its requests count twice)')
      .option(
        '--max-reject-ratio <ratio>',
        'fail (and commit nothing of that input) above this share of rejected lines, 0..1',
        numberOption('--max-reject-ratio', { min: 0, max: 1 }),
      )
      .option(
        '--max-line-bytes <n>',
        'longest accepted line in bytes',
        integerOption('--max-line-bytes', { min: 64, max: MAX_LINE_BYTES }),
        DEFAULT_MAX_LINE_BYTES,
      )
      .option(
        '--max-colos-per-day <n>',
        'distinct colos stored per zone per UTC day; the others as (Other)',
        integerOption('--max-colos-per-day', { min: 1 }),
        DEFAULT_CARDINALITY.colosPerZoneDay,
      )
      .option(
        '--max-hosts-per-day <n>',
        'distinct hosts stored per zone per UTC day; the others as (Other)',
        integerOption('--max-hosts-per-day', { min: 1 }),
        DEFAULT_CARDINALITY.hostsPerZoneDay,
      )
      .option(
        '--max-zones <n>',
        'zones the store takes; lines of new zones beyond are rejected',
        integerOption('--max-zones', { min: 1 }),
        DEFAULT_CARDINALITY.zones,
      )
      .option('--json', 'print the summary as JSON')
      .option(
        '--follow',
        'keep reading the files as they grow, like tail -F (rotation, truncation, restarts) until SIGINT/SIGTERM',
      )
      .option(
        '--follow-interval <ms>',
        'follow: longest wait between two batches',
        integerOption('--follow-interval', { min: 1, max: 3_600_000 }),
        1000,
      )
      .option(
        '--batch-lines <n>',
        'follow: most lines in one batch',
        integerOption('--batch-lines', { min: 1, max: 10_000_000 }),
        100_000,
      )
      .option('--server <url>', 'push to a running edgestat serve (which holds the store) instead of opening it')
      .option('--token <token>', 'with --server: a logs:write token (env EDGESTAT_TOKEN)')
      .addHelpText(
        'after',
        () => `\nFormats (--format; auto detects them from the first lines):\n${formatDescriptions()}`,
      ),
  ).action(async (files: string[], flags: IngestFlags) => {
    // The pipeline, parsers and stores load only when the command runs: `--help` stays fast.
    const { runIngest } = await import('./ingest-run.js');
    await runIngest(files, flags);
  });
}
