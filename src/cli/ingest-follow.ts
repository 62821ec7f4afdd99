import type { FollowIngestOptions } from '../ingest/follow.js';
import { follow } from '../ingest/follow.js';
import type { Store } from '../stores/store.js';

const n = new Intl.NumberFormat('en-US');

/**
 * `edgestat ingest --follow`: follows the files until SIGINT or SIGTERM, printing one
 * line per committed batch to stderr, and a total per file when it stops.
 */
export async function followFiles(
  store: Store,
  files: string[],
  ingestOptions: FollowIngestOptions,
  settings: { intervalMs: number; batchLines: number; json: boolean },
): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const totals = new Map<
    string,
    { batches: number; lines: number; accepted: number; rejected: number; offset: number }
  >();
  for (const file of files) totals.set(file, { batches: 0, lines: 0, accepted: 0, rejected: 0, offset: 0 });
  try {
    await follow(store, files, ingestOptions, {
      intervalMs: settings.intervalMs,
      batchLines: settings.batchLines,
      signal: controller.signal,
      onEvent: (file, event) => process.stderr.write(`${file}: ${event}\n`),
      onBatch: ({ file, end, result }) => {
        const t = totals.get(file)!;
        // A format's notice (nginx combined cannot tell origin from edge errors) once per file, not per batch.
        if (t.batches === 0)
          for (const notice of result.notices ?? []) process.stderr.write(`${file}: note: ${notice}\n`);
        t.batches++;
        t.lines += result.lines;
        t.accepted += result.accepted;
        t.rejected += result.rejected;
        t.offset = end;
        const reasons = Object.entries(result.rejectsByReason).map(([reason, count]) => `${count} ${reason}`);
        const { colo, host } = result.folded;
        const folded = colo || host ? `, folded into (Other): ${n.format(colo)} colo, ${n.format(host)} host` : '';
        process.stderr.write(
          `${file}: +${n.format(result.accepted)} accepted, ${n.format(result.rejected)} rejected${reasons.length ? ` (${reasons.join(', ')})` : ''}${folded} (${result.format}), at byte ${n.format(end)}\n`,
        );
      },
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  if (settings.json) {
    process.stdout.write(`${JSON.stringify({ follow: Object.fromEntries(totals) }, null, 2)}\n`);
    return;
  }
  for (const [file, t] of totals) {
    process.stdout.write(
      `${file}: followed, ${n.format(t.batches)} batches, ${n.format(t.accepted)} accepted, ${n.format(t.rejected)} rejected, at byte ${n.format(t.offset)}\n`,
    );
  }
}
