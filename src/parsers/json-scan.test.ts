import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { emptyRequest } from '../model/request.js';
import { cloudflareParser } from './cloudflare.js';
import { JsonLineScanner } from './json-scan.js';
import { fixtureLines } from './testing.js';

const WANTED = ['EdgeStartTimestamp', 'ZoneName', 'EdgeResponseStatus', 'ClientRequestHost', 'Nested'];
const seeds = fixtureLines('cloudflare', 'http_requests.ndjson');

/** What JSON.parse says of a line: the object's wanted members, or null when it is not a JSON object. */
function reference(line: string): unknown[] | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  return WANTED.map((name) => (value as Record<string, unknown>)[name]);
}

/**
 * The line as the splitter hands it over: valid UTF-8 bytes (a JS string with lone surrogates
 * is not), at any offset of a larger buffer, followed by a newline or by the buffer's end.
 */
function scanned(scanner: JsonLineScanner<string>, line: string, offset: number, newline: boolean) {
  const bytes = Buffer.from(line, 'utf8');
  const buffer = Buffer.alloc(offset + bytes.length + 8, 'x');
  bytes.copy(buffer, offset);
  const limit = newline ? buffer.length : offset + bytes.length;
  if (newline) buffer[offset + bytes.length] = 0x0a;
  const end = scanner.scan(buffer.subarray(0, limit), offset, limit);
  return { end, expectedEnd: offset + bytes.length, text: bytes.toString('utf8') };
}

/** Characters that make or break JSON, and what DuckDB's reader would let through. */
const PIECES = [
  '"',
  '\\',
  '\\u',
  '\\u00e9',
  '\\ud800',
  '\\x',
  ',',
  ':',
  '{',
  '}',
  '[',
  ']',
  ' ',
  '\t',
  '\r',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u00a0',
  '\u2028',
  '\ufeff',
  'é',
  '😀',
  '-',
  '0',
  '01',
  '1.',
  '.5',
  '1e',
  '1e+5',
  '-0',
  'NaN',
  'Infinity',
  'true',
  'tru',
  'null',
  'nul',
  ',}',
  ',]',
  '{}',
  '[]',
  '"ZoneName":',
  '"Zone\\u004eame":',
];

const mutatedLine = fc.oneof(
  fc
    .tuple(fc.constantFrom(...seeds), fc.nat(), fc.constantFrom(...PIECES))
    .map(([line, at, piece]) => line.slice(0, at % (line.length + 1)) + piece + line.slice(at % (line.length + 1))),
  fc
    .tuple(fc.constantFrom(...seeds), fc.nat(), fc.integer({ min: 1, max: 6 }))
    .map(([line, at, n]) => line.slice(0, at % (line.length + 1)) + line.slice((at % (line.length + 1)) + n)),
  fc.tuple(fc.constantFrom(...seeds), fc.nat()).map(([line, at]) => line.slice(0, at % (line.length + 1))),
);

const randomObject = fc
  .dictionary(
    fc.oneof(fc.constantFrom(...WANTED), fc.string({ maxLength: 12 })),
    fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string({ unit: 'grapheme', maxLength: 30 })),
    { maxKeys: 8 },
  )
  .chain((o) =>
    fc.constantFrom(
      JSON.stringify(o),
      JSON.stringify(o, null, 1).replaceAll('\n', ' '),
      // Names and values spelled with escapes, as a hostile or odd writer might.
      JSON.stringify(o).replace(/[A-Za-z]/g, (c) => (c === 'e' ? '\\u0065' : c)),
    ),
  );

const anyLine = fc.oneof(
  { weight: 3, arbitrary: mutatedLine },
  { weight: 2, arbitrary: randomObject },
  { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  {
    weight: 1,
    arbitrary: fc.array(fc.constantFrom(...PIECES), { maxLength: 12 }).map((parts) => `{${parts.join('')}}`),
  },
);

describe('JsonLineScanner', () => {
  it('accepts exactly the lines JSON.parse reads as an object, with the same wanted values', () => {
    const scanner = new JsonLineScanner(WANTED);
    fc.assert(
      fc.property(
        anyLine.filter((line) => !line.includes('\n')),
        fc.nat(7),
        fc.boolean(),
        (line, offset, newline) => {
          const { end, expectedEnd, text } = scanned(scanner, line, offset, newline);
          const expected = reference(text);
          if (expected === null) {
            assert.equal(end, -1, `accepted what JSON.parse rejects: ${JSON.stringify(text)}`);
            return;
          }
          assert.equal(end, expectedEnd, `rejected what JSON.parse accepts: ${JSON.stringify(text)}`);
          assert.deepEqual(scanner.values, expected);
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 3000) },
    );
  });

  it('reads a value repeated line after line, and a new one anew', () => {
    const scanner = new JsonLineScanner(['ZoneName']);
    const lines = ['{"ZoneName":"a.example"}', '{"ZoneName":"a.example"}', '{"ZoneName":"b.example"}'];
    const values = lines.map((line) => {
      scanner.scan(Buffer.from(line), 0, line.length);
      return scanner.values[0];
    });
    assert.deepEqual(values, ['a.example', 'a.example', 'b.example']);
  });

  it('stops at the newline that ends the line and says where', () => {
    const scanner = new JsonLineScanner(['ZoneName']);
    const bytes = Buffer.from('{"ZoneName":"a"} \r\n{"ZoneName":"b"}');
    assert.equal(scanner.scan(bytes, 0, bytes.length), 18);
    assert.equal(scanner.scan(bytes, 19, bytes.length), bytes.length);
    assert.deepEqual(scanner.values, ['b']);
  });

  it('takes the last of a repeated member, as JSON.parse does', () => {
    const scanner = new JsonLineScanner(['ZoneName']);
    const line = '{"ZoneName":"a","ZoneName":"b"}';
    assert.equal(scanner.scan(Buffer.from(line), 0, line.length), line.length);
    assert.deepEqual(scanner.values, ['b']);
  });
});

describe('cloudflare parser: bytes and text agree', () => {
  it('scan accepts every fixture line parse accepts, with the same request', () => {
    const parser = cloudflareParser({});
    for (const line of seeds) {
      const fromText = emptyRequest();
      const fromBytes = emptyRequest();
      const rejection = parser.parse(line, fromText);
      const end = parser.scan!(Buffer.from(line), 0, Buffer.byteLength(line), fromBytes);
      if (rejection) assert.equal(end, -1, line);
      else assert.deepEqual(fromBytes, fromText, line);
    }
  });

  it('scan accepts a line only when parse accepts it, with the same request, for hostile lines', () => {
    fc.assert(
      fc.property(
        anyLine.filter((line) => !line.includes('\n')),
        fc.boolean(),
        (line, withZone) => {
          const parser = cloudflareParser(withZone ? { zone: 'z.example' } : {});
          const text = Buffer.from(line).toString('utf8');
          const fromText = emptyRequest();
          const fromBytes = emptyRequest();
          const end = parser.scan!(Buffer.from(text), 0, Buffer.byteLength(text), fromBytes);
          const rejection = parser.parse(text, fromText);
          if (end === -1) return;
          assert.equal(rejection, null, `scan accepted what parse rejects: ${JSON.stringify(text)}`);
          assert.deepEqual(fromBytes, fromText);
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 2000) },
    );
  });

  it('reads times of a remembered minute from the bytes as Date.parse does, line after line', () => {
    const time = fc
      .tuple(
        fc.constantFrom(
          '2026-11-24T10:05:',
          '2026-11-24T10:06:',
          '2026-11-24T24:00:',
          '2026-02-30T10:05:',
          '2026-11-24 10:05:',
        ),
        fc.constantFrom('00', '07', '59', '60', '7', 'x9'),
        fc.constantFrom('', '.', '.1', '.123', '.1234', '.999999999', '.1234567890', '.12a'),
        fc.constantFrom('Z', '', '+00:00', 'z', 'ZZ'),
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.array(time, { minLength: 1, maxLength: 30 }), (times) => {
        const scanning = cloudflareParser({});
        const parsing = cloudflareParser({});
        for (const ts of times) {
          const line = JSON.stringify({ EdgeStartTimestamp: ts, EdgeResponseStatus: 200, ZoneName: 'z.example' });
          const fromText = emptyRequest();
          const fromBytes = emptyRequest();
          const rejection = parsing.parse(line, fromText);
          const end = scanning.scan!(Buffer.from(line), 0, line.length, fromBytes);
          if (rejection) assert.equal(end, -1, ts);
          else {
            assert.equal(end, line.length, ts);
            assert.deepEqual(fromBytes, fromText, ts);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
