import type { AlertRule, AlertWebhook } from '../model/alerts.js';
import { MINUTE_MS, type RollupRow } from '../rollup/rollup.js';
import type { Store } from '../stores/store.js';

/** The scenario's first minute; traffic runs for two hours from it. */
export const HOUR0 = Date.UTC(2026, 10, 20, 10, 0);
export const MINUTES = 120;

/**
 * Per minute and data center: requests that succeed, 52x errors (group 52x) and edge 403s.
 * FRA fails with 50 % 522s in minutes 60–89; SJC in minutes 0–59; both always see 10 403s.
 */
export function traffic(colo: 'FRA' | 'SJC', minute: number): { ok: number; e522: number; e403: number } {
  const failing = colo === 'FRA' ? minute >= 60 && minute < 90 : minute < 60;
  return { ok: failing ? 50 : 100, e522: failing ? 50 : 0, e403: 10 };
}

/** The scenario as rollup rows, one batch. */
export function scenarioRows(zone: string): RollupRow[] {
  const rows: RollupRow[] = [];
  for (let m = 0; m < MINUTES; m++) {
    for (const colo of ['FRA', 'SJC'] as const) {
      const t = traffic(colo, m);
      const row = (status: number, group: RollupRow['group'], source: RollupRow['source'], requests: number) => {
        if (requests > 0) {
          rows.push({
            minute: HOUR0 + m * MINUTE_MS,
            zone,
            host: colo === 'FRA' ? 'api.example.com' : 'www.example.com',
            colo,
            edgeStatus: status,
            status,
            originStatus: status === 522 ? 0 : status,
            group,
            source,
            requests,
            bytes: requests * 100,
          });
        }
      };
      row(200, 'success', 'origin', t.ok);
      row(522, '52x', 'edge', t.e522);
      row(403, 'edge', 'edge', t.e403);
    }
  }
  return rows;
}

export async function fillScenario(store: Store, zone: string): Promise<void> {
  const batch = await store.openBatch();
  await batch.append(scenarioRows(zone));
  await batch.commit({ key: `scenario-${zone}`, hint: '', input: 'test', accepted: 1, rejected: 0 });
}

/** A 52x rule on one data center: 90 % target, so a 10 % budget and a threshold of twice it (20 % errors). */
export function coloRule(id: string, zone: string, colo: 'FRA' | 'SJC', webhooks: AlertWebhook[]): AlertRule {
  return {
    id,
    zone,
    name: `52x in ${colo}`,
    errors: { group: '52x' },
    colo,
    target: 0.9,
    burnRate: 2,
    minRequests: 20,
    webhooks,
    createdAt: HOUR0,
  };
}

/**
 * The state changes a rule on `colo` must make when evaluated once a minute, window ends from
 * `first` to `last` (minutes of the scenario), worked out from `traffic` by the definition:
 * errors over requests in the 5 and 60 minutes before the end, over the 10 % budget, above 2 in
 * both to fire, not above 2 in the short one to resolve.
 */
export function expectedChanges(colo: 'FRA' | 'SJC', first: number, last: number): { minute: number; state: string }[] {
  const rate = (end: number, length: number) => {
    let requests = 0;
    let errors = 0;
    for (let m = Math.max(0, end - length); m < end; m++) {
      const t = traffic(colo, m);
      requests += t.ok + t.e522 + t.e403;
      errors += t.e522;
    }
    return { requests, burn: requests ? errors / requests / 0.1 : 0 };
  };
  const changes: { minute: number; state: string }[] = [];
  let firing = false;
  for (let end = first; end <= last; end++) {
    const short = rate(end, 5);
    const long = rate(end, 60);
    const next: boolean = firing ? short.burn > 2 : short.requests >= 20 && short.burn > 2 && long.burn > 2;
    if (next !== firing) changes.push({ minute: end, state: next ? 'firing' : 'resolved' });
    firing = next;
  }
  return changes;
}
