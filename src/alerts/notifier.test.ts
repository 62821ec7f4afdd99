import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AlertRule, AlertWebhook } from '../model/alerts.js';
import { freePort } from '../testing/ports.js';
import { type Received, startReceiver, type WebhookReceiver } from '../testing/webhook-receiver.js';
import type { AlertEvent } from './bodies.js';
import { burnOf } from './burn.js';
import { Notifier } from './notifier.js';

const START = Date.UTC(2026, 10, 20, 12, 0);

function event(webhooks: AlertWebhook[], name = 'api 52x'): AlertEvent {
  const rule: AlertRule = {
    id: 'al_1',
    zone: 'shop.test',
    name,
    errors: { group: '52x' },
    colo: 'FRA',
    target: 0.9,
    burnRate: 2,
    minRequests: 20,
    webhooks,
    createdAt: START,
  };
  const period = { ruleId: rule.id, zone: rule.zone, start: START, end: null, shortBurn: 5, longBurn: 2.5 };
  return {
    id: `al_1-${START}-firing`,
    state: 'firing',
    rule,
    period,
    short: burnOf({ requests: 500, errors: 250 }, 0.9),
    long: burnOf({ requests: 6000, errors: 1500 }, 0.9),
  };
}

/** The check a receiver makes, written here from the README's description and not from the sender's code. */
function verified(r: Received, secret: string): boolean {
  const timestamp = String(r.headers['x-edgestat-timestamp']);
  const mac = createHmac('sha256', secret).update(`${timestamp}.${r.body}`).digest('hex');
  const age = Math.abs(Date.now() / 1000 - Number(timestamp));
  return r.headers['x-edgestat-signature'] === `v1=${mac}` && age < 300;
}

describe('webhook notifications', { timeout: 30_000 }, () => {
  const receivers: WebhookReceiver[] = [];
  const receiver = async (port = 0, statuses: number[] = []) => {
    const r = await startReceiver(port, statuses);
    receivers.push(r);
    return r;
  };
  after(async () => {
    for (const r of receivers) await r.close();
  });

  it('posts a signed JSON body and an escaped Slack body, each once', async () => {
    const [json, slack] = [await receiver(), await receiver()];
    const notifier = new Notifier({ backoffMs: 20 });
    const e = event(
      [
        { url: json.url, kind: 'json', secret: 'json-secret' },
        { url: slack.url, kind: 'slack', secret: 'slack-secret' },
      ],
      'api <!channel> & "52x"',
    );
    notifier.notify(e);
    await notifier.drained();
    assert.equal(json.received.length, 1);
    assert.equal(slack.received.length, 1);
    const [j] = json.received;
    assert.ok(verified(j, 'json-secret'), 'the JSON body is signed with its webhook secret');
    assert.ok(!verified(j, 'slack-secret'), 'and not with another');
    assert.equal(j.headers['x-edgestat-id'], e.id);
    assert.equal(j.headers['content-type'], 'application/json');
    const body = JSON.parse(j.body);
    assert.equal(body.id, e.id);
    assert.equal(body.type, 'alert.firing');
    assert.equal(body.rule.name, 'api <!channel> & "52x"');
    assert.deepEqual(body.rule.errors, { group: '52x' });
    assert.equal(body.rule.colo, 'FRA');
    assert.equal(body.period.start, new Date(START).toISOString());
    assert.equal(body.period.end, null);
    assert.deepEqual(body.windows['5m'], { requests: 500, errors: 250, errorRate: 0.5, burnRate: 5 });
    assert.deepEqual(body.windows['1h'], { requests: 6000, errors: 1500, errorRate: 0.25, burnRate: 2.5 });
    const [s] = slack.received;
    assert.ok(verified(s, 'slack-secret'));
    const text: string = JSON.parse(s.body).text;
    assert.match(text, /FIRING: api &lt;!channel&gt; &amp; "52x"/);
    assert.ok(!text.includes('<!channel>'), 'no Slack mention gets through');
    assert.match(text, /data center FRA/);
    assert.match(text, /5m: 50 % errors of 500 requests, burn 5x/);
    assert.deepEqual(notifier.counts, { delivered: 2, failed: 0, dropped: 0, retries: 0 });
  });

  it('retries 5xx and 429 with the same id and a fresh signature, until delivered', async () => {
    const r = await receiver(0, [500, 429, 503]);
    const notifier = new Notifier({ backoffMs: 20 });
    notifier.notify(event([{ url: r.url, kind: 'json', secret: 'k' }]));
    await notifier.drained();
    assert.equal(r.received.length, 4);
    assert.equal(new Set(r.received.map((x) => x.headers['x-edgestat-id'])).size, 1, 'one id for every attempt');
    assert.ok(r.received.every((x) => verified(x, 'k')));
    assert.deepEqual(notifier.counts, { delivered: 1, failed: 0, dropped: 0, retries: 3 });
  });

  it('gives up after its attempts, and at once on a 4xx refusal', async () => {
    const down = await receiver(0, [500, 500, 500]);
    const refusing = await receiver(0, [400]);
    const notifier = new Notifier({ backoffMs: 10, maxAttempts: 3 });
    notifier.notify(
      event([
        { url: down.url, kind: 'json', secret: 'k' },
        { url: refusing.url, kind: 'json', secret: 'k' },
      ]),
    );
    await notifier.drained();
    assert.equal(down.received.length, 3);
    assert.equal(refusing.received.length, 1);
    assert.deepEqual(notifier.counts, { delivered: 0, failed: 2, dropped: 0, retries: 2 });
  });

  it('delivers to a receiver that is down and comes up while it retries', async () => {
    const port = await freePort();
    const notifier = new Notifier({ backoffMs: 100 });
    const started = Date.now();
    notifier.notify(event([{ url: `http://127.0.0.1:${port}/hook`, kind: 'json', secret: 'k' }]));
    await sleep(250);
    assert.equal(notifier.counts.delivered, 0);
    const r = await receiver(port);
    await notifier.drained();
    assert.equal(r.received.length, 1);
    assert.ok(verified(r.received[0], 'k'));
    assert.ok(notifier.counts.retries >= 2, `retried ${notifier.counts.retries} times`);
    assert.ok(Date.now() - started < 5000);
  });

  it('drops what does not fit its queue, and counts it', async () => {
    const r = await receiver();
    const notifier = new Notifier({ queueCap: 3, concurrency: 1 });
    const webhooks = Array.from({ length: 5 }, () => ({ url: r.url, kind: 'json' as const, secret: 'k' }));
    notifier.notify(event(webhooks));
    await notifier.drained();
    assert.equal(r.received.length, 3);
    assert.deepEqual(notifier.counts, { delivered: 3, failed: 0, dropped: 2, retries: 0 });
  });
});
