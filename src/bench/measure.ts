import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';

export interface Measured {
  seconds: number;
  /** Peak resident memory of the process (VmHWM), MiB. */
  peakRssMiB: number;
  /** Resident memory sampled every `sampleMs` (VmRSS), MiB, in order. */
  rssMiB: number[];
  stdout: string;
  stderr: string;
  code: number | null;
}

/** One field of /proc/PID/status in MiB, or undefined once the process is gone. */
export function procStatusMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs a command to its end and measures its wall time and memory. The peak is VmHWM, read until
 * the process exits (it only grows, so the last reading is within one interval of the end).
 * `feed`, when given, writes the process's stdin (honouring backpressure) and ends it.
 */
export async function measure(
  command: string,
  args: string[],
  options: { feed?: (stdin: NodeJS.WritableStream) => Promise<void>; sampleMs?: number } = {},
): Promise<Measured> {
  const started = performance.now();
  const child = spawn(command, args, { stdio: [options.feed ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  const pid = child.pid!;
  let stdout = '';
  let stderr = '';
  (child.stdout as Readable).setEncoding('utf8').on('data', (d: string) => (stdout += d));
  (child.stderr as Readable).setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let peak = 0;
  const rss: number[] = [];
  const sample = () => {
    peak = Math.max(peak, procStatusMiB(pid, 'VmHWM') ?? 0);
    const now = procStatusMiB(pid, 'VmRSS');
    if (now !== undefined) rss.push(now);
  };
  const timer = setInterval(sample, options.sampleMs ?? 50);
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  if (options.feed && child.stdin) {
    child.stdin.on('error', () => {}); // the child may stop reading early; its exit code tells why
    await options.feed(child.stdin);
    child.stdin.end();
  }
  const code = await exited;
  clearInterval(timer);
  return { seconds: (performance.now() - started) / 1000, peakRssMiB: peak, rssMiB: rss, stdout, stderr, code };
}

/** The p-th percentile (0..100) of some numbers, nearest rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
