import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GROUPS } from '../classify/rules.js';
import { answerToCsv } from './csv.js';
import { MAX_BUCKETS, QueryParamError, toStatusQuery } from './params.js';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const HOUR = 3_600_000;

function paramError(fn: () => unknown, param: string, pattern: RegExp) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof QueryParamError, `expected QueryParamError, got ${err}`);
    assert.equal(err.param, param);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('toStatusQuery', () => {
  it('defaults to the last 24 hours, an automatic bucket, grouping by status and visitor requests', () => {
    const q = toStatusQuery({ zone: 'example.com' }, NOW);
    assert.deepEqual(q, {
      zone: 'example.com',
      from: NOW - 24 * HOUR,
      to: NOW,
      bucket: '1m',
      by: ['status'],
      requestSources: ['eyeball'],
    });
  });
  it('reads request sources: a list, all, and every source when grouped by request source', () => {
    const sources = (raw: { requestSource?: string | string[]; by?: string }) =>
      toStatusQuery({ zone: 'z', ...raw }, NOW).requestSources;
    assert.deepEqual(sources({ requestSource: 'edgeWorkerFetch,purge,purge' }), ['edgeWorkerFetch', 'purge']);
    assert.deepEqual(sources({ requestSource: ['eyeball', 'earlyHintsCache'] }), ['eyeball', 'earlyHintsCache']);
    assert.equal(sources({ requestSource: 'all' }), undefined);
    assert.equal(sources({ by: 'status,requestSource' }), undefined);
    assert.deepEqual(sources({ by: 'requestSource', requestSource: 'purge' }), ['purge']);
    assert.deepEqual(sources({ requestSource: '' }), ['eyeball']);
  });
  it('reads comma-separated and repeated lists, dropping duplicates', () => {
    const q = toStatusQuery(
      {
        zone: 'z',
        from: '-7d',
        to: 'now',
        bucket: '1h',
        by: 'status,colo,status',
        colo: ['FRA,SJC', 'AMS'],
        status: '404,5xx,404',
        group: 'origin,52x',
        host: 'a.example',
      },
      NOW,
    );
    assert.deepEqual(q.by, ['status', 'colo']);
    assert.deepEqual(q.colos, ['FRA', 'SJC', 'AMS']);
    assert.equal(q.statuses?.length, 101);
    assert.equal(q.statuses?.[0], 404);
    assert.ok(q.statuses?.includes(599) && q.statuses?.includes(500) && !q.statuses?.includes(499));
    assert.deepEqual(q.groups, ['origin', '52x']);
    assert.equal(q.host, 'a.example');
    assert.equal(q.bucket, '1h');
    assert.equal(q.from, NOW - 7 * 24 * HOUR);
  });
  it('groups by bucket only for an empty by', () => {
    assert.deepEqual(toStatusQuery({ zone: 'z', by: '' }, NOW).by, []);
  });
  it('chooses the bucket from the range for auto', () => {
    assert.equal(toStatusQuery({ zone: 'z', from: '-30d', bucket: 'auto' }, NOW).bucket, '1h');
  });
  it('names the parameter and what is allowed', () => {
    paramError(() => toStatusQuery({ zone: '' }, NOW), 'zone', /1 to 255 characters: letters, digits/);
    paramError(() => toStatusQuery({ zone: 'a b' }, NOW), 'zone', /got "a b"/);
    paramError(() => toStatusQuery({ zone: 'z', from: 'yesterday' }, NOW), 'from', /ISO 8601/);
    paramError(() => toStatusQuery({ zone: 'z', to: 'x' }, NOW), 'to', /cannot read time "x"/);
    paramError(() => toStatusQuery({ zone: 'z', from: 'now', to: '-1h' }, NOW), 'to', /must be after from/);
    paramError(() => toStatusQuery({ zone: 'z', bucket: '2m' }, NOW), 'bucket', /auto, 1m, 5m, 15m, 1h, 1d; got "2m"/);
    paramError(
      () => toStatusQuery({ zone: 'z', by: 'status,pop' }, NOW),
      'by',
      /status, group, colo, host, source, requestSource; got "pop"/,
    );
    paramError(
      () => toStatusQuery({ zone: 'z', requestSource: 'eyeball,Eyeball' }, NOW),
      'requestSource',
      /all or a comma-separated list of eyeball, purge, .*inBrowserChallenge, unknown, other; got "Eyeball"/,
    );
    paramError(() => toStatusQuery({ zone: 'z', status: '404,600' }, NOW), 'status', /100-599.*got "600"/);
    paramError(() => toStatusQuery({ zone: 'z', status: '4x' }, NOW), 'status', /got "4x"/);
    paramError(
      () => toStatusQuery({ zone: 'z', group: 'errors' }, NOW),
      'group',
      new RegExp(`${GROUPS.join(', ')}; got "errors"`),
    );
    paramError(() => toStatusQuery({ zone: 'z', colo: 'FR\nA' }, NOW), 'colo', /printable/);
  });
  it('refuses more buckets than a chart can hold', () => {
    paramError(
      () => toStatusQuery({ zone: 'z', from: '-365d', bucket: '1m' }, NOW),
      'bucket',
      new RegExp(`more than ${MAX_BUCKETS}`),
    );
  });
});

describe('answerToCsv', () => {
  it('writes a header from the dimensions and quotes fields that need it', () => {
    const csv = answerToCsv({
      zone: 'z',
      from: '2026-11-24T00:00:00.000Z',
      to: '2026-11-24T01:00:00.000Z',
      bucket: '1h',
      by: ['status', 'host'],
      rows: [
        { t: '2026-11-24T00:00:00.000Z', status: 200, host: 'a,b', requests: 3, bytes: 10, percent: 75 },
        { t: '2026-11-24T00:00:00.000Z', status: 404, host: 'say "hi"', requests: 1, bytes: 0, percent: 25 },
      ],
    });
    assert.equal(
      csv,
      't,status,host,requests,bytes,percent\r\n' +
        '2026-11-24T00:00:00.000Z,200,"a,b",3,10,75\r\n' +
        '2026-11-24T00:00:00.000Z,404,"say ""hi""",1,0,25\r\n',
    );
  });
});
