import type { IngestProgress } from '../ingest/pipeline.js';

const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

/** One status line on a terminal, rewritten in place: lines/s, MB/s, rejected, and an ETA when the size is known. */
export function progressLine(name: string, p: IngestProgress, totalBytes?: number): string {
  const seconds = p.elapsedMs / 1000 || 1e-9;
  const parts = [
    `${name}: ${fmt.format(p.lines)} lines`,
    `${fmt.format(p.lines / seconds)} lines/s`,
    `${(p.rawBytes / 1e6 / seconds).toFixed(1)} MB/s`,
    `${fmt.format(p.rejected)} rejected`,
  ];
  if (totalBytes && p.rawBytes > 0) {
    parts.push(`ETA ${duration(((totalBytes - p.rawBytes) / p.rawBytes) * seconds)}`);
  }
  return parts.join('  ');
}

/** Writes progress to stderr only when it is a terminal. */
export function terminalProgress(name: string, totalBytes?: number): ((p: IngestProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (p) => process.stderr.write(`\r\u001b[2K${progressLine(name, p, totalBytes)}`);
}

export function clearProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\u001b[2K');
}
