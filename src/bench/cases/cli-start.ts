import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { repoRoot } from '../../testing/paths.js';
import { percentile } from '../measure.js';

export interface CliStart {
  name: string;
  /** Median wall time of the whole process, ms. */
  p50Ms: number;
  p90Ms: number;
}

const CLI = join(repoRoot, 'dist', 'cli', 'main.js');

function timed(name: string, args: string[], runs: number): CliStart {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const run = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    times.push(performance.now() - started);
    if (run.status !== 0) throw new Error(`${name} failed: ${run.stderr}`);
  }
  return { name, p50Ms: percentile(times, 50), p90Ms: percentile(times, 90) };
}

/**
 * Whole-process time of `edgestat --help` and of a one-hour `edgestat query` on a DuckDB file,
 * next to `node -e 0` (the floor every Node.js command pays) measured in the same run.
 */
export function cliStart(db: string, zone: string, runs = 15): CliStart[] {
  return [
    timed('node -e 0 (peer)', ['-e', '0'], runs),
    timed('edgestat --help', [CLI, '--help'], runs),
    timed('edgestat query (1 h, DuckDB)', [CLI, 'query', '--db', db, '--zone', zone, '--from', '-1h', '--json'], runs),
  ];
}
