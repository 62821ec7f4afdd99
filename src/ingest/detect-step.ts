import { detectFormat, UndetectedFormatError } from '../parsers/detect.js';
import type { Parser } from '../parsers/parser.js';
import { createParser, type ParserOptions } from '../parsers/registry.js';
import { LineSplitter } from '../sources/lines.js';

/** Lines `auto` looks at before it decides. */
const DETECT_LINES = 20;
/**
 * Most bytes held back while looking for those lines: the peeked bytes are replayed, so
 * this bounds the memory of an input that starts with lines too long or not UTF-8.
 */
export const DETECT_BYTES = 16 * 1024 * 1024;

/** The parser an ingest runs, chosen once before either way of parsing starts. */
export interface ChosenParser {
  /** The registered format, or `auto` for an input without a single line to decide on. */
  format: string;
  /** How `auto` chose it. */
  detectedBy?: string;
  /** The parser for this thread; undefined only for an input without a line. */
  parser?: Parser;
  /**
   * The options for parsers that start mid-input (parsing threads): the ingest's, plus the
   * input's W3C `#Fields:` header, which such a parser never sees itself.
   */
  midInput: ParserOptions;
  /** The whole input again: the peeked bytes first, then the rest. */
  input: AsyncIterable<Buffer>;
}

/**
 * Peeks at the first lines of the input, picks the parser (the one named, or the one
 * `auto` detects) and hands back the input to replay from its first byte, so that both
 * ways of parsing (this thread, a pool of threads) start from the same decision.
 */
export async function chooseParser(
  input: AsyncIterable<Buffer>,
  format: string,
  options: ParserOptions,
  maxLineBytes: number,
): Promise<ChosenParser> {
  // A named format fails here, before any input is read, for a bad name or options.
  const named = format === 'auto' ? undefined : createParser(format, options);
  const iterator = input[Symbol.asyncIterator]();
  try {
    const peeked: Buffer[] = [];
    let peekedBytes = 0;
    let ended = false;
    const sample: string[] = [];
    const splitter = new LineSplitter(
      { line: (text) => sample.length < DETECT_LINES && sample.push(text), bad: () => {} },
      maxLineBytes,
    );
    while (sample.length < DETECT_LINES && peekedBytes < DETECT_BYTES) {
      const next = await iterator.next();
      if (next.done) {
        ended = true;
        splitter.end();
        break;
      }
      peeked.push(next.value);
      peekedBytes += next.value.length;
      splitter.push(next.value);
    }
    return decide(named, format, options, sample, ended, replay(peeked, ended, iterator));
  } catch (err) {
    // The input is not read on: let its source close (a file handle, a request body).
    await iterator.return?.();
    throw err;
  }
}

/** The peeked chunks, then the rest of the input; the input is closed however its reader stops. */
async function* replay(peeked: Buffer[], ended: boolean, iterator: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* peeked;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}

/** The parser the sample (or the name) calls for; throws when `auto` finds none. */
function decide(
  named: Parser | undefined,
  format: string,
  options: ParserOptions,
  sample: string[],
  ended: boolean,
  input: AsyncIterable<Buffer>,
): ChosenParser {
  const midInput: ParserOptions = {
    ...options,
    w3cFields: options.w3cFields ?? sample.find((line) => /^#Fields:/i.test(line)),
  };
  if (named) return { format, parser: named, midInput, input };
  if (sample.length === 0) {
    // Nothing but lines the splitter rejects (or nothing at all): they are counted, no format is needed.
    if (ended) return { format, midInput, input };
    throw new UndetectedFormatError(
      `cannot detect the format: the first ${DETECT_BYTES} bytes hold no line under the line length limit in UTF-8; pass --format (format= over HTTP)`,
    );
  }
  const detected = detectFormat(sample, options);
  return {
    format: detected.format,
    detectedBy: detected.reason,
    parser: createParser(detected.format, options),
    midInput,
    input,
  };
}
