/**
 * A committer process for the same-key race test: opens the store at argv[2], then for every
 * line `{"round":N,"at":EPOCH_MS}` on stdin commits the round's batch argv[3] times at once at
 * that instant, and answers `{"round":N,"outcomes":[...]}` on stdout.
 */
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RollupRow } from '../../rollup/rollup.js';
import { ClickHouseStore } from './clickhouse-store.js';

const DAY_MS = 86_400_000;
/** Midnight UTC: the batch spans two days, so it is written as several INSERTs per table. */
export const RACE_DAY = Date.UTC(2026, 10, 24);
/** Requests of one round's batch: 7 on RACE_DAY, 5 the day before. */
export const RACE_BATCH_REQUESTS = 12;

/** The batch of round `round`, in a zone of its own. */
export function raceRows(round: number): RollupRow[] {
  const zone = `race-${round}.test`;
  const row = (minute: number, status: number, requests: number): RollupRow => ({
    minute,
    zone,
    host: zone,
    colo: 'FRA',
    edgeStatus: status,
    status,
    originStatus: status,
    group: status < 400 ? 'success' : 'origin',
    source: 'origin',
    requests,
    bytes: requests * 10,
  });
  return [row(RACE_DAY + 60_000, 200, 4), row(RACE_DAY + 61 * 60_000, 502, 3), row(RACE_DAY - DAY_MS + 60_000, 200, 5)];
}

async function main(): Promise<void> {
  const [url, count] = process.argv.slice(2);
  const store = await ClickHouseStore.open(url);
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    const { round, at } = JSON.parse(line) as { round: number; at: number };
    await sleep(Math.max(0, at - Date.now()));
    const outcomes = await Promise.all(
      Array.from({ length: Number(count) }, async () => {
        const batch = await store.openBatch();
        await batch.append(raceRows(round));
        try {
          return await batch.commit({
            key: `race-${round}`,
            hint: '',
            input: `pid ${process.pid}`,
            accepted: RACE_BATCH_REQUESTS,
            rejected: 0,
            contentHash: `sha256:race-${round}`,
          });
        } catch (err) {
          return `error: ${(err as Error).message}`;
        }
      }),
    );
    process.stdout.write(`${JSON.stringify({ round, outcomes })}\n`);
  }
  await store.close();
}

if (process.argv[1] === new URL(import.meta.url).pathname) await main();
