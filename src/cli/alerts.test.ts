import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import { repoRoot, tempDir } from '../testing/paths.js';
import { parseTarget } from './alerts.js';

const CLI = join(repoRoot, 'dist', 'cli', 'main.js');
const edgestat = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

describe('edgestat alerts (real processes)', () => {
  it('reads a target as a percentage or a share', () => {
    assert.equal(parseTarget('98%'), 0.98);
    assert.equal(parseTarget('99.5'), 0.995);
    assert.equal(parseTarget('0.9'), 0.9);
  });

  it('creates, lists, shows the history of and deletes a rule', async () => {
    const db = join(tempDir(), 'alerts.duckdb');
    const created = edgestat([
      'alerts',
      'create',
      '--db',
      db,
      '--zone',
      'shop.example',
      '--name',
      'api 52x\u001b[31m',
      '--group',
      '52x',
      '--colo',
      'FRA',
      '--target',
      '98%',
      '--burn-rate',
      '10',
      '--json-webhook',
      'http://127.0.0.1:9/hook',
      '--slack-webhook',
      'https://hooks.example.com/T/B/x',
    ]);
    assert.equal(created.status, 0, created.stderr);
    const id = /created alert rule (al_[0-9a-f]+)/.exec(created.stdout)?.[1] as string;
    assert.ok(id, created.stdout);
    assert.equal(created.stdout.match(/signing secret [A-Za-z0-9_-]{32} \(shown only now\)/g)?.length, 2);

    const table = edgestat(['alerts', 'list', '--db', db, '--zone', 'shop.example']);
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /api 52x\\u001b\[31m +group 52x +FRA +\* +98 % +10x +resolved/);
    assert.ok(!table.stdout.includes('\u001b'), 'no escape sequence reaches the terminal');
    const listed = JSON.parse(edgestat(['alerts', 'list', '--db', db, '--zone', 'shop.example', '--json']).stdout);
    assert.deepEqual(
      listed.rules.map((r: { id: string; target: number; webhooks: unknown }) => [r.id, r.target, r.webhooks]),
      [
        [
          id,
          0.98,
          [
            { kind: 'json', host: '127.0.0.1:9' },
            { kind: 'slack', host: 'hooks.example.com' },
          ],
        ],
      ],
    );

    const store = await DuckDBStore.open(db);
    const start = Date.now() - 30 * 60_000;
    await store.alerts.saveAlertPeriod(
      { ruleId: id, zone: 'shop.example', start, end: null, shortBurn: 12.5, longBurn: 11 },
      10,
    );
    await store.close();
    const history = JSON.parse(edgestat(['alerts', 'history', '--db', db, '--zone', 'shop.example', '--json']).stdout);
    assert.deepEqual(history.periods, [
      { ruleId: id, start: new Date(start).toISOString(), end: null, shortBurn: 12.5, longBurn: 11 },
    ]);
    assert.match(edgestat(['alerts', 'list', '--db', db, '--zone', 'shop.example']).stdout, / firing +\d{4}-/);

    assert.equal(edgestat(['alerts', 'delete', id, '--db', db, '--zone', 'shop.example']).status, 0);
    const again = edgestat(['alerts', 'delete', id, '--db', db, '--zone', 'shop.example']);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /has no alert rule/);
    assert.match(edgestat(['alerts', 'list', '--db', db, '--zone', 'shop.example']).stdout, /has no alert rules/);
  });

  it('says which part of a rule is wrong', () => {
    const db = join(tempDir(), 'bad.duckdb');
    const base = ['alerts', 'create', '--db', db, '--zone', 'shop.example', '--name', 'x', '--target', '98%'];
    const bad = (extra: string[], pattern: RegExp) => {
      const r = edgestat([...base, ...extra]);
      assert.equal(r.status, 2, r.stdout);
      assert.match(r.stderr, pattern);
    };
    bad([], /errors: give exactly one of group, statusClass or statuses/);
    bad(['--group', 'success'], /errors\.group: must be one of edge, origin, 503, 52x/);
    bad(['--status', '500,abc'], /errors\.statuses: must be codes from 100 to 599/);
    bad(['--status-class', '5xx', '--burn-rate', '60'], /burnRate: must be above 0 and below 50/);
    bad(
      ['--status-class', '5xx', '--json-webhook', 'file:///etc/passwd'],
      /webhooks\.0\.url: must be an http or https URL/,
    );
  });
});
