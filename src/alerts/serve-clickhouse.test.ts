import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MINUTE_MS, type RollupRow } from '../rollup/rollup.js';
import { ClickHouseStore } from '../stores/clickhouse/clickhouse-store.js';
import { coloRule } from '../testing/alert-scenario.js';
import { clickhouseMissing, startClickHouse } from '../testing/clickhouse.js';
import { repoRoot, tempDir } from '../testing/paths.js';
import { freePort } from '../testing/ports.js';
import { startReceiver, type WebhookReceiver } from '../testing/webhook-receiver.js';

const ZONE = 'shop.test';

/** `edgestat serve` on the store, evaluating alerts every second; resolves once it answers /healthz. */
async function serve(store: string, config: string): Promise<ChildProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'dist/cli/main.js'), 'serve', '--store', store, '--port', String(port), '--config', config],
    { stdio: 'ignore', env: { ...process.env, EDGESTAT_LOG_LEVEL: 'warn' } },
  );
  for (let i = 0; i < 150; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return child;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error('edgestat serve did not start');
}

describe('alerts of two edgestat serve processes on one ClickHouse', {
  skip: clickhouseMissing(),
  timeout: 60_000,
}, () => {
  const children: ChildProcess[] = [];
  let receiver: WebhookReceiver | undefined;
  after(async () => {
    for (const c of children) c.kill('SIGTERM');
    await receiver?.close();
  });

  it('notify a firing rule exactly once, signed, within seconds', async () => {
    const url = (await startClickHouse()).storeUrl();
    const store = await ClickHouseStore.open(url);
    // The last 70 minutes of FRA: half 522s, so a 52x rule at a 90 % target burns 5x its budget in both windows.
    const now = Date.now() - (Date.now() % MINUTE_MS);
    const rows: RollupRow[] = [];
    for (let m = 1; m <= 70; m++) {
      for (const [status, group, requests] of [
        [200, 'success', 50],
        [522, '52x', 50],
      ] as const) {
        rows.push({
          minute: now - m * MINUTE_MS,
          zone: ZONE,
          host: 'api.example.com',
          colo: 'FRA',
          edgeStatus: status,
          status,
          originStatus: status === 200 ? 200 : 0,
          group,
          source: status === 200 ? 'origin' : 'edge',
          requests,
          bytes: 0,
        });
      }
    }
    const batch = await store.openBatch();
    await batch.append(rows);
    await batch.commit({ key: 'serve-alerts', hint: '', input: 'test', accepted: 1, rejected: 0 });
    receiver = await startReceiver();
    await store.alerts.createAlertRule(
      coloRule('fra', ZONE, 'FRA', [{ url: receiver.url, kind: 'json', secret: 's' }]),
    );
    await store.close();

    const config = join(tempDir(), 'serve.json');
    writeFileSync(config, JSON.stringify({ alertEvaluateMs: 1000 }));
    children.push(await serve(url, config), await serve(url, config));
    for (let i = 0; i < 100 && receiver.received.length === 0; i++) await sleep(100);
    // Both processes tick every second: a few more ticks would show a second notification.
    await sleep(3000);
    assert.equal(receiver.received.length, 1, 'one notification from the two processes');
    const [r] = receiver.received;
    const mac = createHmac('sha256', 's').update(`${r.headers['x-edgestat-timestamp']}.${r.body}`).digest('hex');
    assert.equal(r.headers['x-edgestat-signature'], `v1=${mac}`);
    const body = JSON.parse(r.body);
    assert.equal(body.type, 'alert.firing');
    // A minute may have begun since the rows were written: the windows then hold one minute less.
    for (const [window, minutes] of [
      ['5m', 5],
      ['1h', 60],
    ] as const) {
      const w = body.windows[window];
      assert.ok([minutes, minutes - 1].includes(w.requests / 100), `${window}: ${w.requests} requests`);
      assert.deepEqual([w.errors * 2, w.errorRate, w.burnRate], [w.requests, 0.5, 5]);
    }
  });
});
