import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UndetectedFormatError } from '../parsers/detect.js';
import { UnknownFormatError } from '../parsers/registry.js';
import { chooseParser } from './detect-step.js';

async function* chunks(parts: string[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.from(part);
}

async function collect(input: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of input) parts.push(chunk);
  return Buffer.concat(parts).toString();
}

const cf = (n: number) =>
  `${JSON.stringify({ EdgeStartTimestamp: 1_795_514_400_000 + n, EdgeResponseStatus: 200, ZoneName: 'a.example' })}\n`;

describe('chooseParser', () => {
  it('picks the format from the first lines and replays every byte, peeked or not, in order', async () => {
    const parts = Array.from({ length: 50 }, (_, i) => cf(i));
    // Lines split across chunks at odd places.
    const text = parts.join('');
    const split = [text.slice(0, 7), text.slice(7, 500), text.slice(500, 3001), text.slice(3001)];
    const chosen = await chooseParser(chunks(split), 'auto', {}, 1024);
    assert.equal(chosen.format, 'cloudflare');
    assert.match(chosen.detectedBy ?? '', /EdgeStartTimestamp/);
    assert.equal(chosen.parser?.format, 'cloudflare');
    assert.equal(await collect(chosen.input), text);
  });

  it('takes a named format as it is, and refuses an unknown one before reading the input', async () => {
    let read = false;
    const input = (async function* () {
      read = true;
      yield Buffer.from('x\n');
    })();
    await assert.rejects(chooseParser(input, 'apache', {}, 1024), UnknownFormatError);
    assert.equal(read, false);
    const named = await chooseParser(chunks(['hello\n']), 'nginx', {}, 1024);
    assert.deepEqual([named.format, named.detectedBy, await collect(named.input)], ['nginx', undefined, 'hello\n']);
  });

  it('gives parsers that start mid-input the W3C header of the input, unless the options name one', async () => {
    const header = '#Fields: date time sc-status';
    const found = await chooseParser(chunks([`#Version: 1.0\n${header}\n`]), 'cloudfront', {}, 1024);
    assert.equal(found.midInput.w3cFields, header);
    const given = await chooseParser(chunks([`${header}\n`]), 'cloudfront', { w3cFields: '#Fields: date' }, 1024);
    assert.equal(given.midInput.w3cFields, '#Fields: date');
  });

  it('leaves an input without a line undecided: only the splitter’s rejections are counted', async () => {
    const chosen = await chooseParser(chunks(['x'.repeat(2000), '\n']), 'auto', {}, 1024);
    assert.deepEqual([chosen.format, chosen.parser], ['auto', undefined]);
    assert.equal((await collect(chosen.input)).length, 2001);
  });

  it('closes the input when no format fits, and when its reader stops early', async () => {
    let closed = 0;
    const input = () =>
      (async function* () {
        try {
          for (let i = 0; i < 100; i++) yield Buffer.from(`hello ${i}\n`);
        } finally {
          closed++;
        }
      })();
    await assert.rejects(chooseParser(input(), 'auto', {}, 1024), UndetectedFormatError);
    assert.equal(closed, 1);
    const chosen = await chooseParser(input(), 'nginx', {}, 1024);
    for await (const _ of chosen.input) break;
    assert.equal(closed, 2);
  });
});
