import { OVERFLOW_VALUE } from '../ingest/cardinality.js';
import type { IngestResult } from '../ingest/pipeline.js';
import { REJECT_REASONS, type RejectReason } from '../model/rejection.js';

/** What happened to one input of `edgestat ingest`. */
export interface FileOutcome {
  file: string;
  result?: IngestResult;
  /** Why nothing was ingested although the input was fine (already ingested). */
  skipped?: string;
  /** The input could not be read or parsed at all. */
  error?: string;
  /** Rejected lines passed --max-reject-ratio: nothing was committed. */
  failedRatio?: string;
}

const n = new Intl.NumberFormat('en-US');

/** Prints what each input gave: lines, accepted, rejected by reason, first rejected lines, time. */
export function printSummary(outcomes: FileOutcome[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ files: outcomes }, null, 2)}\n`);
    return;
  }
  const out: string[] = [];
  for (const o of outcomes) {
    if (o.error) {
      out.push(`${o.file}: error: ${o.error}`);
      continue;
    }
    if (o.skipped) {
      out.push(`${o.file}: skipped: ${o.skipped}`);
      continue;
    }
    const r = o.result!;
    const seconds = r.durationMs / 1000;
    out.push(
      `${o.file}: ${r.format}${r.detectedBy ? ` (auto: ${r.detectedBy})` : ''}${r.gzip ? ', gzip' : ''}`,
      `  lines     ${n.format(r.lines)}`,
      `  accepted  ${n.format(r.accepted)}`,
      `  rejected  ${n.format(r.rejected)}`,
    );
    for (const [reason, count] of Object.entries(r.rejectsByReason)) {
      out.push(`    ${n.format(count).padStart(10)}  ${reason}: ${REJECT_REASONS[reason as RejectReason]}`);
    }
    const setAside = Object.entries(r.setAside ?? {}).filter(([, count]) => count > 0);
    if (setAside.length > 0) {
      const total = setAside.reduce((sum, [, count]) => sum + count, 0);
      out.push(
        `  set aside ${n.format(total)} accepted lines that are not visitor requests (stored; counted with --request-source):`,
        ...setAside.map(([source, count]) => `    ${n.format(count).padStart(10)}  ${source}`),
      );
    }
    if (r.samples.length > 0) out.push('  first rejected lines:');
    for (const s of r.samples) out.push(`    line ${s.line}: ${s.reason}: ${s.detail}`, `      ${s.text}`);
    if (r.folded.colo || r.folded.host) {
      out.push(
        `  folded    ${n.format(r.folded.colo)} requests' colo, ${n.format(r.folded.host)} requests' host into "${OVERFLOW_VALUE}" (over the distinct values allowed per zone and day)`,
      );
    }
    for (const notice of r.notices ?? []) out.push(`  note: ${notice}`);
    if (r.inputError) out.push(`  input broke off: ${r.inputError} (every line before it was kept)`);
    out.push(`  time      ${seconds.toFixed(2)} s (${n.format(Math.round(r.lines / (seconds || 1e-9)))} lines/s)`);
    if (o.failedRatio) out.push(`  FAILED: ${o.failedRatio}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
