import { isAscii, isUtf8 } from 'node:buffer';
import type { RejectReason } from '../model/rejection.js';

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/** What the splitter hands on: good lines as text, bad ones as a reason. */
export interface LineHandler {
  line(text: string, lineNo: number): void;
  bad(lineNo: number, reason: RejectReason, detail: string, text: string): void;
  /**
   * Optional: takes the line that starts at `from` in `bytes` (valid UTF-8, no NUL) without
   * decoding it, and returns the index of its end (its newline, or `limit`); or -1 to have it
   * handed to `line` as text like any other.
   */
  lineAt?(bytes: Buffer, from: number, limit: number, lineNo: number): number;
}

// C0 controls other than tab, LF and CR never appear in a text log line.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern exists to detect binary input
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
const NEWLINE = 0x0a;
const DECODE_BYTES = 64 * 1024;

/**
 * Splits a byte stream into lines with bounded memory. The common case (a block
 * of ASCII or valid UTF-8 without NUL bytes) is decoded once and sliced; only a
 * block that fails those native checks is examined line by line, where invalid
 * UTF-8 and control bytes reject their own line and nothing else. Control bytes
 * other than NUL in otherwise valid text reach the parser, which rejects them.
 */
export class LineSplitter {
  private carry: Buffer | null = null;
  /** True while skipping the rest of a line already over the limit. */
  private skipping = false;
  private skippedHead = '';
  lineNo = 0;

  constructor(
    private readonly handler: LineHandler,
    private readonly maxLineBytes: number = DEFAULT_MAX_LINE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    if (this.skipping) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl === -1) return;
      this.finishSkipped();
      start = nl + 1;
    }
    const lastNl = chunk.lastIndexOf(NEWLINE);
    if (lastNl < start) {
      this.keep(chunk.subarray(start));
      return;
    }
    if (this.carry) {
      const firstNl = chunk.indexOf(NEWLINE, start);
      const head = Buffer.concat([this.carry, chunk.subarray(start, firstNl)]);
      this.carry = null;
      this.bytesLine(head);
      start = firstNl + 1;
    }
    if (lastNl >= start) this.block(chunk.subarray(start, lastNl));
    this.keep(chunk.subarray(lastNl + 1));
  }

  /** Flushes a last line without a trailing newline. */
  end(): void {
    if (this.skipping) this.finishSkipped();
    else if (this.carry) this.bytesLine(this.carry);
    this.carry = null;
  }

  /** Whole lines, newline-separated, without the final newline. */
  private block(bytes: Buffer): void {
    // Decode at most ~64 KiB per string: V8 puts larger strings in its large-object
    // space, which made decoding ten times slower in our measurements.
    let from = 0;
    for (;;) {
      let end = bytes.length;
      if (end - from > DECODE_BYTES) {
        const nl = bytes.lastIndexOf(NEWLINE, from + DECODE_BYTES);
        end = nl > from ? nl : bytes.indexOf(NEWLINE, from + DECODE_BYTES);
        if (end === -1) end = bytes.length;
      }
      this.piece(bytes.subarray(from, end));
      if (end >= bytes.length) return;
      from = end + 1;
    }
  }

  private piece(bytes: Buffer): void {
    let text: string;
    if (bytes.indexOf(0) !== -1) {
      this.slowBlock(bytes);
      return;
    }
    const ascii = isAscii(bytes);
    if (!ascii && !isUtf8(bytes)) {
      this.slowBlock(bytes);
      return;
    }
    // No line of a piece this size can be over the limit: the handler may take the bytes as they are.
    if (this.handler.lineAt && bytes.length <= this.maxLineBytes) {
      this.bytesPiece(bytes, this.handler.lineAt.bind(this.handler));
      return;
    }
    text = bytes.toString(ascii ? 'latin1' : 'utf8');
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      this.textLine(nl === -1 ? text.slice(from) : text.slice(from, nl));
      if (nl === -1) return;
      from = nl + 1;
    }
  }

  /** The lines of a valid piece to the handler's `lineAt`, and as text those it does not take. */
  private bytesPiece(bytes: Buffer, lineAt: NonNullable<LineHandler['lineAt']>): void {
    const limit = bytes.length;
    let from = 0;
    for (;;) {
      let end = lineAt(bytes, from, limit, this.lineNo + 1);
      if (end === -1) {
        end = bytes.indexOf(NEWLINE, from);
        if (end === -1) end = limit;
        this.textLine(bytes.toString('utf8', from, end));
      } else this.lineNo++;
      if (end >= limit) return;
      from = end + 1;
    }
  }

  private slowBlock(bytes: Buffer): void {
    let from = 0;
    for (;;) {
      const nl = bytes.indexOf(NEWLINE, from);
      this.bytesLine(bytes.subarray(from, nl === -1 ? bytes.length : nl));
      if (nl === -1) return;
      from = nl + 1;
    }
  }

  private bytesLine(bytes: Buffer): void {
    if (!isUtf8(bytes)) {
      this.lineNo++;
      this.handler.bad(this.lineNo, 'invalid-utf8', 'bytes that are not valid UTF-8', bytes.toString('utf8', 0, 200));
      return;
    }
    const text = bytes.toString('utf8');
    const control = CONTROL.exec(text);
    if (control) {
      this.lineNo++;
      const code = control[0].charCodeAt(0).toString(16).padStart(2, '0');
      this.handler.bad(
        this.lineNo,
        'binary',
        `control byte 0x${code} at column ${control.index + 1}`,
        text.slice(0, 200),
      );
      return;
    }
    this.textLine(text);
  }

  private textLine(raw: string): void {
    this.lineNo++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.length === 0) return;
    if (text.length * 3 > this.maxLineBytes && Buffer.byteLength(text) > this.maxLineBytes) {
      this.handler.bad(this.lineNo, 'line-too-long', `line longer than ${this.maxLineBytes} bytes`, text.slice(0, 200));
      return;
    }
    this.handler.line(text, this.lineNo);
  }

  /** Keeps the tail of a chunk (a line still being read), or starts skipping it once it passes the limit. */
  private keep(tail: Buffer): void {
    if (tail.length === 0) return;
    const size = (this.carry?.length ?? 0) + tail.length;
    if (size > this.maxLineBytes) {
      this.skippedHead = (this.carry ?? tail).toString('utf8', 0, 200);
      this.carry = null;
      this.skipping = true;
      return;
    }
    this.carry = this.carry ? Buffer.concat([this.carry, tail]) : Buffer.from(tail);
  }

  private finishSkipped(): void {
    this.skipping = false;
    this.lineNo++;
    this.handler.bad(this.lineNo, 'line-too-long', `line longer than ${this.maxLineBytes} bytes`, this.skippedHead);
    this.skippedHead = '';
  }
}
