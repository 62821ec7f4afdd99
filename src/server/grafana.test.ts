import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../testing/paths.js';
import { cfLine, type TestApp, testApp } from './testing.js';

interface Dashboard {
  templating: { list: Array<{ definition?: string }> };
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
}

/** Metric families and their label names, from a Prometheus text answer. */
function families(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? /.exec(line);
    if (!m) continue;
    const labels = out.get(m[1]) ?? new Set<string>();
    for (const [, name] of (m[2] ?? '').matchAll(/(\w+)="/g)) labels.add(name);
    out.set(m[1], labels);
  }
  return out;
}

describe('the Grafana dashboard (grafana/edgestat.json)', () => {
  const dashboard = JSON.parse(readFileSync(join(repoRoot, 'grafana', 'edgestat.json'), 'utf8')) as Dashboard;
  let t: TestApp;
  let metrics: Map<string, Set<string>>;
  before(async () => {
    t = await testApp();
    // A push makes every request series and ingest histogram appear.
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/zones/shop.example/logs?format=cloudflare',
      payload: `${cfLine({})}\n{"broken\n`,
    });
    assert.equal(res.statusCode, 200);
    metrics = families((await t.app.inject('/metrics')).body);
  });
  after(() => t?.destroy());

  const queries = () => [
    ...dashboard.panels.flatMap((p) => p.targets.map((target) => ({ where: p.title, expr: target.expr }))),
    ...dashboard.templating.list.flatMap((v) => (v.definition ? [{ where: 'variables', expr: v.definition }] : [])),
  ];

  it('asks only for metrics edgestat serves', () => {
    const unknown = queries().flatMap(({ where, expr }) =>
      [...expr.matchAll(/\bedgestat_\w+/g)]
        .map(([name]) => name)
        .filter((n) => !metrics.has(n))
        .map((n) => `${where}: ${n}`),
    );
    assert.deepEqual(unknown, []);
  });

  it('groups and filters only by labels those metrics have (never a host)', () => {
    const wrong: string[] = [];
    for (const { where, expr } of queries()) {
      const names = [...expr.matchAll(/\bedgestat_\w+/g)].map(([n]) => n);
      const labels = new Set(names.flatMap((n) => [...(metrics.get(n) ?? [])]));
      const used = [
        ...[...expr.matchAll(/\b(?:by|ignoring|on)\s*\(([^)]*)\)/g)].flatMap(([, list]) => list.split(',')),
        ...[...expr.matchAll(/[{,]\s*(\w+)\s*(?:=~|!=|!~|=)/g)].map(([, name]) => name),
        ...[...expr.matchAll(/label_values\(\s*\w+\s*,\s*(\w+)\s*\)/g)].map(([, name]) => name),
      ].map((l) => l.trim());
      for (const label of used) if (label !== 'le' && !labels.has(label)) wrong.push(`${where}: ${label}`);
      assert.ok(!used.includes('host'), `${where} uses a host label`);
    }
    assert.deepEqual(wrong, []);
  });
});
