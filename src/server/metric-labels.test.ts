import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OVERFLOW_VALUE } from '../ingest/cardinality.js';
import { METRIC_COLOS_PER_ZONE, METRIC_SERIES, METRIC_ZONES, RequestSeries } from './metric-labels.js';

describe('request series labels', () => {
  it('gives a zone its first 200 colos and puts the others under (Other)', () => {
    const series = new RequestSeries();
    const colos = new Set<string>();
    for (let i = 0; i < 1000; i++) colos.add(series.labels('z.test', `C${i}`, '200', 'success').colo);
    assert.equal(colos.size, METRIC_COLOS_PER_ZONE + 1);
    assert.ok(colos.has(OVERFLOW_VALUE));
    // A colo that already has its series keeps it.
    assert.equal(series.labels('z.test', 'C7', '404', '4xx').colo, 'C7');
    assert.equal(series.labels('z.test', 'C999', '404', '4xx').colo, OVERFLOW_VALUE);
  });

  it('gives the first 100 zones series of their own and the others the zone (Other)', () => {
    const series = new RequestSeries();
    const zones = new Set<string>();
    for (let i = 0; i < 500; i++) zones.add(series.labels(`z${i}.test`, 'FRA', '200', 'success').zone);
    assert.equal(zones.size, METRIC_ZONES + 1);
    assert.equal(series.labels('z3.test', 'FRA', '200', 'success').zone, 'z3.test');
  });

  it('keeps the number of label sets bounded whatever the statuses, colos and zones', () => {
    const series = new RequestSeries();
    const distinct = new Set<string>();
    for (let z = 0; z < 150; z++) {
      for (let c = 0; c < 250; c++) {
        for (const status of ['200', '404', '500', '502', '503', '522']) {
          const l = series.labels(`z${z}`, `C${c}`, status, 'g');
          distinct.add(`${l.zone}|${l.colo}|${l.status}|${l.group}`);
        }
      }
    }
    assert.ok(distinct.size <= METRIC_SERIES + 6, `${distinct.size} series`);
  });
});
