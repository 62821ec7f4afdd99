import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newToken } from '../auth/tokens.js';
import { ALERT_CAPS } from '../model/alerts.js';
import type { Scope } from '../model/tokens.js';
import { type TestApp, testApp } from './testing.js';

const ZONE = 'shop.example';
const NOW = Date.UTC(2026, 11, 1, 12, 0);
const rule = (extra: Record<string, unknown> = {}) => ({
  name: 'origin 5xx',
  errors: { statusClass: '5xx' },
  target: 0.98,
  webhooks: [{ url: 'https://hooks.example.com/services/T0/B0/secretpath', kind: 'slack' }],
  ...extra,
});

describe('alert rules API', () => {
  let t: TestApp;
  const post = (zone: string, body: unknown, token?: string) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/zones/${zone}/alerts`,
      payload: body as object,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  before(async () => {
    t = await testApp({}, () => NOW);
  });
  after(() => t.destroy());

  it('creates a rule, answers its webhook secrets once, and lists it with webhooks by host only', async () => {
    const res = await post(
      ZONE,
      rule({ webhooks: [{ url: 'http://127.0.0.1:9/x?token=abc', kind: 'json', secret: 'mine' }, rule().webhooks[0]] }),
    );
    assert.equal(res.statusCode, 201, res.body);
    const created = res.json();
    assert.match(created.rule.id, /^al_[0-9a-f]{12}$/);
    assert.equal(created.secrets[0], 'mine');
    assert.match(created.secrets[1], /^[A-Za-z0-9_-]{32}$/, 'a generated secret');
    assert.deepEqual(created.rule, {
      id: created.rule.id,
      zone: ZONE,
      name: 'origin 5xx',
      errors: { statusClass: '5xx' },
      colo: null,
      host: null,
      target: 0.98,
      burnRate: 14.4,
      minRequests: 20,
      webhooks: [
        { kind: 'json', host: '127.0.0.1:9' },
        { kind: 'slack', host: 'hooks.example.com' },
      ],
      createdAt: new Date(NOW).toISOString(),
      state: 'resolved',
      firingSince: null,
    });
    const list = await t.app.inject(`/api/v1/zones/${ZONE}/alerts`);
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json(), { zone: ZONE, rules: [created.rule] });
    for (const hidden of ['mine', created.secrets[1], 'secretpath', 'token=abc'])
      assert.ok(!list.body.includes(hidden));
    assert.deepEqual((await t.app.inject('/api/v1/zones/other.example/alerts')).json(), {
      zone: 'other.example',
      rules: [],
    });
  });

  it('refuses bad rules with 400 and the field at fault', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [rule({ target: 1 }), 'target'],
      [rule({ target: 0.98, burnRate: 50 }), 'burnRate'],
      [rule({ errors: { group: '52x', statuses: [500] } }), 'errors'],
      [rule({ errors: {} }), 'errors'],
      [rule({ errors: { group: 'success' } }), 'errors.group'],
      [rule({ errors: { statuses: [700] } }), 'errors.statuses.0'],
      [rule({ webhooks: [{ url: 'ftp://x.example/', kind: 'json' }] }), 'webhooks.0.url'],
      [rule({ webhooks: [{ url: 'not a url', kind: 'json' }] }), 'webhooks.0.url'],
      [rule({ webhooks: [{ url: 'https://x.example/', kind: 'teams' }] }), 'webhooks.0.kind'],
      [rule({ webhooks: Array(ALERT_CAPS.webhooksPerRule + 1).fill(rule().webhooks[0]) }), 'webhooks'],
      [rule({ name: '   ' }), 'name'],
      [rule({ extra: 1 }), 'extra'],
      [rule({ minRequests: 0 }), 'minRequests'],
    ];
    for (const [body, param] of cases) {
      const res = await post(ZONE, body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      assert.equal(res.json().error.code, 'bad_parameter');
      assert.equal(res.json().error.param, param, res.body);
    }
  });

  it('needs the enterprise plan for a rule on one data center', async () => {
    await t.store.setZonePlan('colo.example', 'pro');
    const res = await post('colo.example', rule({ colo: 'FRA' }));
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'plan_required');
    await t.store.setZonePlan('colo.example', 'enterprise');
    assert.equal((await post('colo.example', rule({ colo: 'FRA', host: 'api.example' }))).statusCode, 201);
  });

  it('caps the rules of a zone with 409 alert_rules_full', async () => {
    for (let i = 0; i < ALERT_CAPS.rulesPerZone; i++)
      assert.equal((await post('full.example', rule())).statusCode, 201);
    const res = await post('full.example', rule());
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.code, 'alert_rules_full');
  });

  it('shows firing rules and their periods over a range, and deletes a rule with its periods', async () => {
    const { rule: created } = (await post('hist.example', rule())).json();
    const { rule: other } = (await post('hist.example', rule({ name: 'other' }))).json();
    const at = (m: number) => NOW - 60 * 60_000 + m * 60_000;
    const period = (ruleId: string, start: number, end: number | null) => ({
      ruleId,
      zone: 'hist.example',
      start: at(start),
      end: end === null ? null : at(end),
      shortBurn: 20,
      longBurn: 15,
    });
    await t.store.alerts.saveAlertPeriod(period(created.id, 0, 10), 10);
    await t.store.alerts.saveAlertPeriod(period(created.id, 30, null), 10);
    await t.store.alerts.saveAlertPeriod(period(other.id, 5, 8), 10);
    const listed = (await t.app.inject('/api/v1/zones/hist.example/alerts')).json().rules;
    const states = (id: string) =>
      listed
        .filter((r: { id: string }) => r.id === id)
        .map((r: { state: string; firingSince: string | null }) => [r.state, r.firingSince]);
    assert.deepEqual(states(created.id), [['firing', new Date(at(30)).toISOString()]]);
    assert.deepEqual(states(other.id), [['resolved', null]]);
    const periods = async (query: string) => t.app.inject(`/api/v1/zones/hist.example/alerts/periods?${query}`);
    const all = (await periods('from=-2h')).json();
    assert.deepEqual(
      all.periods.map((p: { ruleId: string; start: string; end: string | null }) => [p.ruleId, p.start, p.end]),
      [
        [created.id, new Date(at(30)).toISOString(), null],
        [other.id, new Date(at(5)).toISOString(), new Date(at(8)).toISOString()],
        [created.id, new Date(at(0)).toISOString(), new Date(at(10)).toISOString()],
      ],
    );
    assert.equal(all.to, new Date(NOW).toISOString());
    assert.equal(
      (await periods(`from=-50m&rule=${created.id}`)).json().periods.length,
      1,
      'the first ended 50 min ago',
    );
    assert.equal((await periods(`from=-51m&rule=${created.id}`)).json().periods.length, 2);
    const bad = await periods('from=yesterday');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.param, 'from');

    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/zones/hist.example/alerts/${created.id}` });
    assert.equal(del.statusCode, 204);
    const again = await t.app.inject({ method: 'DELETE', url: `/api/v1/zones/hist.example/alerts/${created.id}` });
    assert.equal(again.statusCode, 404);
    assert.equal(again.json().error.code, 'not_found');
    assert.deepEqual(
      (await periods('from=-2h')).json().periods.map((p: { ruleId: string }) => p.ruleId),
      [other.id],
    );
  });

  it('lets read tokens list and only admin tokens create or delete, within their zones', async () => {
    const token = async (scopes: Scope[], zones: string[]) => {
      const { secret, record } = newToken('t', scopes, zones);
      await t.store.createToken(record);
      return secret;
    };
    const read = await token(['analytics:read'], [ZONE]);
    const admin = await token(['admin'], [ZONE]);
    const list = (tok: string, zone = ZONE) =>
      t.app.inject({ url: `/api/v1/zones/${zone}/alerts`, headers: { authorization: `Bearer ${tok}` } });
    assert.equal((await list(read)).statusCode, 200);
    assert.equal((await list(read, 'other.example')).statusCode, 403);
    assert.equal((await post(ZONE, rule(), read)).statusCode, 403);
    assert.equal((await post('other.example', rule(), admin)).statusCode, 403);
    const created = await post(ZONE, rule(), admin);
    assert.equal(created.statusCode, 201);
    const url = `/api/v1/zones/${ZONE}/alerts/${created.json().rule.id}`;
    assert.equal(
      (await t.app.inject({ method: 'DELETE', url, headers: { authorization: `Bearer ${read}` } })).statusCode,
      403,
    );
    assert.equal(
      (await t.app.inject({ method: 'DELETE', url, headers: { authorization: `Bearer ${admin}` } })).statusCode,
      204,
    );
  });
});
