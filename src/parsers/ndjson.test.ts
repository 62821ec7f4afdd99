import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ndjsonParser, parseFieldMap } from './ndjson.js';
import { parseOne } from './testing.js';

type Parsed = {
  ts: number;
  zone: string;
  host: string;
  colo: string;
  edgeStatus: number;
  originStatus: number;
  edgeErrorCode: number;
  bytes: number;
};

describe('ndjson parser', () => {
  it('reads same-named fields when unmapped', () => {
    const r = parseOne(
      ndjsonParser({}),
      '{"ts":"2026-11-24T10:00:00Z","zone":"z","host":"H","colo":"ams","status":404,"originStatus":404,"bytes":7}',
    ) as Parsed;
    assert.deepEqual(
      [r.ts, r.zone, r.host, r.colo, r.edgeStatus, r.originStatus, r.bytes],
      [Date.UTC(2026, 10, 24, 10), 'z', 'h', 'AMS', 404, 404, 7],
    );
  });

  it('follows a --map with dotted paths into nested objects', () => {
    const map = parseFieldMap(
      'ts=time, status=http.code,originStatus=upstream.code,colo=pop,zone=site,bytes=size,edgeErrorCode=err',
    );
    const parser = ndjsonParser({ fieldMap: map });
    const r = parseOne(
      parser,
      '{"time":1795514400,"http":{"code":"403"},"upstream":{"code":0},"pop":"sjc","site":"s.example","size":"12","err":1020}',
    ) as Parsed;
    assert.deepEqual(
      [r.ts, r.edgeStatus, r.originStatus, r.colo, r.zone, r.bytes, r.edgeErrorCode],
      [Date.UTC(2026, 10, 24, 10), 403, 0, 'SJC', 's.example', 12, 1020],
    );
  });

  it('rejects missing, mistyped and impossible values with the source field name', () => {
    const parser = ndjsonParser({ fieldMap: { status: 'code' }, zone: 'z' });
    const cases: Array<[string, string, RegExp]> = [
      ['{"ts":1795514400}', 'missing-field', /code/],
      ['{"ts":1795514400,"code":true}', 'wrong-type', /code true/],
      ['{"ts":1795514400,"code":42}', 'bad-status', /code 42/],
      ['{"ts":"yesterday","code":200}', 'bad-timestamp', /ts "yesterday"/],
      ['{"ts":1795514400,"code":200,"colo":5}', 'wrong-type', /colo 5/],
      ['{"ts":1795514400,"code":200,"edgeErrorCode":77}', 'wrong-type', /1xxx/],
      ['"a string"', 'not-an-object', /string/],
    ];
    for (const [line, reason, detail] of cases) {
      const r = parseOne(parser, line) as { reason: string; detail: string };
      assert.equal(r.reason, reason, line);
      assert.match(r.detail, detail, line);
    }
  });

  it('says what is wrong with a bad --map', () => {
    assert.throws(() => parseFieldMap('ts'), /NAME=FIELD/);
    assert.throws(() => parseFieldMap('when=time'), /unknown field "when".*ts, zone/);
  });
});
