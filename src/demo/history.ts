import { MINUTE_MS } from '../rollup/rollup.js';
import type { Store } from '../stores/store.js';
import { minuteRows, type ZoneTraffic } from './traffic.js';

const DAY_MS = 86_400_000;

/**
 * Writes a zone's traffic from `from` to `to` (epoch ms) into a store, one committed batch per day
 * of data (rows appended a few thousand at a time). Returns the number of requests written.
 */
export async function fillHistory(
  store: Store,
  traffic: ZoneTraffic,
  from: number,
  to: number,
  rand: () => number,
): Promise<number> {
  let total = 0;
  const start = from - (from % MINUTE_MS);
  for (let dayStart = start; dayStart < to; dayStart += DAY_MS) {
    const batch = await store.openBatch();
    let requests = 0;
    try {
      let pending = [];
      for (let minute = dayStart; minute < Math.min(dayStart + DAY_MS, to); minute += MINUTE_MS) {
        for (const row of minuteRows(traffic, minute, rand)) {
          pending.push(row);
          requests += row.requests;
        }
        if (pending.length >= 5000) {
          await batch.append(pending);
          pending = [];
        }
      }
      await batch.append(pending);
      await batch.commit({
        key: `demo:${traffic.zone}:${dayStart}:${to}`,
        hint: '',
        input: 'edgestat demo',
        accepted: requests,
        rejected: 0,
      });
    } catch (err) {
      await batch.abort();
      throw err;
    }
    total += requests;
  }
  return total;
}
