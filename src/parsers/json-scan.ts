/**
 * A validating single-pass scanner for one JSON object per line: it accepts exactly the lines
 * JSON.parse accepts as an object and materializes only the top-level members asked for.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const REJECT = -1;
/** Longest string value remembered to be given again as the same string: hosts and colos, not user agents. */
const REMEMBERED_BYTES = 64;
/** `2026-11-24T10:05:`: the part of an RFC 3339 time that names its minute. */
const MINUTE_PREFIX = 17;
/** Member names remembered from the line before: the shape of a log line, not of any hostile one. */
const MAX_SHAPE = 64;
/** Entries of the wanted-name table: a power of two, at least four per name. */
const NAME_TABLE = 64;

/**
 * Non-zero when one of the four bytes of `w` is a quote, a backslash or below 0x20 (classic SWAR
 * tests: a zero byte in `w ^ 0x22222222` or `w ^ 0x5c5c5c5c`, a byte below 0x20 in `w`); `| 0`
 * keeps the subtractions in 32-bit integers.
 */
const special = (w: number) => {
  const q = w ^ 0x22222222;
  const b = w ^ 0x5c5c5c5c;
  return ((((q - 0x01010101) | 0) & ~q) | (((b - 0x01010101) | 0) & ~b) | (((w - 0x20202020) | 0) & ~w)) & 0x80808080;
};

/** A copy of `bytes` as a view of its own. */
const bytesView = (bytes: Uint8Array) => new DataView(new Uint8Array(bytes).buffer);

const nameHash = (length: number, head: number, tail: number) =>
  (Math.imul(head ^ Math.imul(tail, 0x9e3779b1), 0x85ebca6b) + length) >>> 26;

/** Byte classes: 1 for a character that may follow a backslash in a JSON string (`u` is checked apart). */
const ESCAPABLE = new Uint8Array(256);
for (const c of '"\\/bfnrt') ESCAPABLE[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

/** How a wanted member's value was written, for `value()` to build what JSON.parse gives. */
enum Kind {
  Absent = 0,
  /** A string without escapes: its bytes between the quotes. */
  PlainString = 1,
  /** A plain non-negative integer of at most 15 digits: its value is exact. */
  SmallInteger = 2,
  /** Any other value (escaped string, other number, literal, object, array): its JSON text. */
  Other = 3,
}

/**
 * Scans lines of valid UTF-8 (the line splitter checks that first) as JSON objects. Wanted
 * top-level members are read into `values` by name; `scan` returns where the line ends, or -1
 * for a line it does not accept: the caller then asks JSON.parse, so that every rejection and
 * its reason stay JSON.parse's own. Nothing is allocated per line but the wanted values,
 * and a string value equal to the one before is not even that.
 */
export class JsonLineScanner<K extends string> {
  /** The wanted members of the last line accepted, in the order of the names given; undefined when absent. */
  readonly values: unknown[];
  /** Slots by name, for names written with escapes. */
  private readonly slots: Map<string, number>;
  /**
   * Wanted names in an open-addressing table keyed by length and first and last four bytes:
   * most names of a line are not wanted and are told apart without a byte-by-byte compare.
   */
  private readonly table = new Int32Array(NAME_TABLE);
  private readonly names: DataView[];
  private readonly kind: Uint8Array;
  private readonly start: Int32Array;
  private readonly end: Int32Array;
  private readonly integer: Float64Array;
  /** The last plain string of each member, as bytes and as text: logs repeat zones, hosts and colos. */
  private readonly lastBytes: DataView[];
  private readonly lastLength: Int32Array;
  private readonly lastText: string[];
  /** The buffer scanned, as bytes and as a view for 32-bit reads, over the whole ArrayBuffer. */
  private source: Buffer = Buffer.alloc(0);
  private u8 = new Uint8Array(0);
  private view = new DataView(new ArrayBuffer(0));
  private base = 0;
  /** Open containers of a nested value: 1 object, 2 array. */
  private stack = new Uint8Array(64);
  /** The names of the members of the line before, in order, each with its closing quote, and their slots. */
  private readonly shape: DataView[] = [];
  private readonly shapeSlots: number[] = [];
  /** The minute `utcMillis` reads times in, and for which member. */
  private readonly minutePrefix = new DataView(new ArrayBuffer(MINUTE_PREFIX));
  private minuteSlot = -1;
  private minuteMs = Number.NaN;
  /** Whether the last string scanned had escapes. */
  private escaped = false;

  /** Slots left unmaterialized by `scan` (undefined in `values`) until asked with `value`. */
  private readonly lazy: Uint8Array;

  constructor(keys: readonly K[], lazy: readonly number[] = []) {
    this.lazy = new Uint8Array(keys.length);
    for (const slot of lazy) this.lazy[slot] = 1;
    this.slots = new Map(keys.map((key, slot) => [key, slot]));
    const n = keys.length;
    this.kind = new Uint8Array(n);
    this.start = new Int32Array(n);
    this.end = new Int32Array(n);
    this.integer = new Float64Array(n);
    this.lastBytes = keys.map(() => new DataView(new ArrayBuffer(REMEMBERED_BYTES)));
    this.lastLength = new Int32Array(keys.length).fill(-1);
    this.lastText = keys.map(() => '');
    this.values = keys.map(() => undefined);
    this.names = keys.map((key) => {
      if (!/^[\x20-\x7e]{4,}$/.test(key) || key.includes('"') || key.includes('\\') || keys.length > NAME_TABLE / 4) {
        throw new Error(
          `JsonLineScanner: ${key}: names are printable ASCII of 4 bytes or more, without quotes or backslashes`,
        );
      }
      return bytesView(Buffer.from(key, 'latin1'));
    });
    this.names.forEach((name, slot) => {
      const length = name.byteLength;
      let at = nameHash(length, name.getInt32(0, true), name.getInt32(length - 4, true));
      while (this.table[at] !== 0) at = (at + 1) & (NAME_TABLE - 1);
      this.table[at] = slot + 1;
    });
  }

  /**
   * Scans the line that starts at `from` in `bytes` and ends at the next newline or at `limit`.
   * Returns the index of that newline (or `limit`) when the line is one JSON object as
   * JSON.parse accepts it, with `values` filled; -1 otherwise, `values` then undefined.
   */
  scan(bytes: Buffer, from: number, limit: number): number {
    this.use(bytes);
    const kind = this.kind;
    kind.fill(Kind.Absent);
    const base = this.base;
    const end = this.scanLine(base + from, base + limit);
    if (end === REJECT) {
      this.clear();
      return REJECT;
    }
    const values = this.values;
    for (let slot = 0; slot < values.length; slot++) {
      values[slot] = kind[slot] === Kind.Absent || this.lazy[slot] === 1 ? undefined : this.value(slot);
    }
    return end - base;
  }

  private clear(): void {
    this.values.fill(undefined);
  }

  private use(bytes: Buffer): void {
    if (bytes !== this.source) {
      this.source = bytes;
      const buffer = bytes.buffer as ArrayBuffer;
      if (this.u8.buffer !== buffer) {
        this.u8 = new Uint8Array(buffer);
        this.view = new DataView(buffer);
      }
      this.base = bytes.byteOffset;
    }
  }

  /** What JSON.parse gives for the member in `slot` of the line scanned last (undefined when absent). */
  value(slot: number): unknown {
    const start = this.start[slot];
    const end = this.end[slot];
    switch (this.kind[slot]) {
      case Kind.Absent:
        return undefined;
      case Kind.SmallInteger:
        return this.integer[slot];
      case Kind.PlainString: {
        const length = end - start;
        const last = this.lastBytes[slot];
        if (this.lastLength[slot] === length && this.same(start, last, length)) return this.lastText[slot];
        const u8 = this.u8;
        let ascii = 0;
        for (let k = start; k < end; k++) ascii |= u8[k];
        // Latin-1 is UTF-8 for ASCII, and the shortest way from bytes to a string.
        const text = this.source.toString(ascii < 0x80 ? 'latin1' : 'utf8', start - this.base, end - this.base);
        if (length <= REMEMBERED_BYTES) {
          for (let k = 0; k < length; k++) last.setUint8(k, u8[start + k]);
          this.lastLength[slot] = length;
          this.lastText[slot] = text;
        } else this.lastLength[slot] = -1;
        return text;
      }
      default:
        return JSON.parse(this.source.toString('utf8', start - this.base, end - this.base));
    }
  }

  /** The top-level object, its wanted members noted; returns the absolute end of the line or REJECT. */
  private scanLine(from: number, limit: number): number {
    const u8 = this.u8;
    // JSON whitespace is all at or below 0x20, and nothing else there is JSON outside a string:
    // one compare tells whether to skip any.
    let i = u8[from] <= SPACE ? this.skipSpace(from, limit) : from;
    if (i >= limit || u8[i] !== OPEN_OBJECT) return REJECT;
    i = this.skipSpace(i + 1, limit);
    if (i < limit && u8[i] === CLOSE_OBJECT) return this.lineEnd(i + 1, limit);
    for (let member = 0; ; member++) {
      if (i >= limit || u8[i] !== QUOTE) return REJECT;
      const nameStart = i + 1;
      let slot: number;
      // Lines of one log name the same members in the same order: is this the name the line
      // before had here, with its closing quote and colon?
      const expected = member < MAX_SHAPE ? this.shape[member] : undefined;
      if (
        expected !== undefined &&
        nameStart + expected.byteLength <= limit &&
        this.same(nameStart, expected, expected.byteLength)
      ) {
        slot = this.shapeSlots[member];
        i = nameStart + expected.byteLength;
      } else {
        const nameEnd = this.skipString(nameStart, limit);
        if (nameEnd === REJECT) return REJECT;
        slot = this.escaped ? this.slotOfEscaped(nameStart - 1, nameEnd + 1) : this.slotOf(nameStart, nameEnd);
        i = nameEnd + 1;
        if (u8[i] <= SPACE) i = this.skipSpace(i, limit);
        if (i >= limit || u8[i] !== COLON) return REJECT;
        if (member < MAX_SHAPE && i === nameEnd + 1 && !this.escaped) {
          this.shape[member] = bytesView(u8.subarray(nameStart, i + 1));
          this.shapeSlots[member] = slot;
        }
        i++;
      }
      if (u8[i] <= SPACE) i = this.skipSpace(i, limit);
      if (i >= limit) return REJECT;
      if (slot !== -1) i = this.noteValue(slot, i, limit);
      else if (u8[i] === QUOTE) {
        const close = this.skipString(i + 1, limit);
        i = close === REJECT ? REJECT : close + 1;
      } else i = this.skipValue(i, limit);
      if (i === REJECT) return REJECT;
      if (u8[i] <= SPACE) i = this.skipSpace(i, limit);
      if (i >= limit) return REJECT;
      const c = u8[i];
      if (c === CLOSE_OBJECT) return this.lineEnd(i + 1, limit);
      if (c !== COMMA) return REJECT;
      i++;
      if (u8[i] <= SPACE) i = this.skipSpace(i, limit);
    }
  }

  /** After the object only whitespace may follow on the line. */
  private lineEnd(from: number, limit: number): number {
    const i = this.skipSpace(from, limit);
    return i >= limit || this.u8[i] === NEWLINE ? i : REJECT;
  }

  /** The slot of a wanted name, -1 for any other name. */
  private slotOf(start: number, end: number): number {
    const length = end - start;
    if (length < 4) return -1;
    const view = this.view;
    let at = nameHash(length, view.getInt32(start, true), view.getInt32(end - 4, true));
    for (;;) {
      const entry = this.table[at];
      if (entry === 0) return -1;
      const name = this.names[entry - 1];
      if (name.byteLength === length && this.same(start, name, length)) return entry - 1;
      at = (at + 1) & (NAME_TABLE - 1);
    }
  }

  /** The slot of a name written with escapes (rare): the name as JSON.parse reads it. */
  private slotOfEscaped(start: number, end: number): number {
    const name = JSON.parse(this.source.toString('utf8', start - this.base, end - this.base)) as string;
    return this.slots.get(name) ?? -1;
  }

  /**
   * The epoch ms of the member in `slot` when it is an RFC 3339 UTC time (`…T10:05:07.123Z`) in
   * the minute `rememberMinute` was last given for it: read from the bytes, the way Date.parse
   * reads it (milliseconds, the rest of the fraction cut off). NaN for anything else.
   */
  utcMillis(slot: number): number {
    const start = this.start[slot];
    const length = this.end[slot] - start;
    if (this.kind[slot] !== Kind.PlainString || length < 20 || length > 30 || this.minuteSlot !== slot)
      return Number.NaN;
    const u8 = this.u8;
    if (u8[start + length - 1] !== 0x5a /* Z */ || !this.same(start, this.minutePrefix, MINUTE_PREFIX))
      return Number.NaN;
    const tens = u8[start + 17] - DIGIT_0;
    const ones = u8[start + 18] - DIGIT_0;
    if (!(tens >= 0 && tens <= 5 && ones >= 0 && ones <= 9)) return Number.NaN;
    let ms = 0;
    if (length > 21) {
      if (u8[start + 19] !== 0x2e /* . */) return Number.NaN;
      let scale = 100;
      for (let i = start + 20; i < start + length - 1; i++) {
        const digit = u8[i] - DIGIT_0;
        if (!(digit >= 0 && digit <= 9)) return Number.NaN;
        ms += digit * scale;
        scale /= 10;
      }
      ms = Math.floor(ms);
    } else if (length !== 20) return Number.NaN;
    return this.minuteMs + (tens * 10 + ones) * 1000 + ms;
  }

  /**
   * Remembers the minute of the plain string in `slot` (its first 17 bytes, `2026-11-24T10:05:`)
   * as `minuteMs`, for `utcMillis`; the caller vouches for it (Date.parse read the whole time).
   */
  rememberMinute(slot: number, minuteMs: number): void {
    const start = this.start[slot];
    if (this.kind[slot] !== Kind.PlainString || this.end[slot] - start < MINUTE_PREFIX) return;
    for (let k = 0; k < MINUTE_PREFIX; k++) this.minutePrefix.setUint8(k, this.u8[start + k]);
    this.minuteSlot = slot;
    this.minuteMs = minuteMs;
  }

  /** Whether the `length` bytes at `start` are the first of `other`, compared four at a time. */
  private same(start: number, other: DataView, length: number): boolean {
    const view = this.view;
    let k = 0;
    for (; k + 4 <= length; k += 4) if (view.getInt32(start + k, true) !== other.getInt32(k, true)) return false;
    for (; k < length; k++) if (view.getUint8(start + k) !== other.getUint8(k)) return false;
    return true;
  }

  /** Scans a wanted member's value and notes where it is; returns the index after it or REJECT. */
  private noteValue(slot: number, i: number, limit: number): number {
    const u8 = this.u8;
    const c = u8[i];
    if (c === QUOTE) {
      const close = this.skipString(i + 1, limit);
      if (close === REJECT) return REJECT;
      if (this.escaped) {
        this.kind[slot] = Kind.Other;
        this.start[slot] = i;
        this.end[slot] = close + 1;
      } else {
        this.kind[slot] = Kind.PlainString;
        this.start[slot] = i + 1;
        this.end[slot] = close;
      }
      return close + 1;
    }
    const end = this.skipValue(i, limit);
    if (end === REJECT) return REJECT;
    this.start[slot] = i;
    this.end[slot] = end;
    this.kind[slot] = Kind.Other;
    if (c >= DIGIT_0 && c <= DIGIT_9 && end - i <= 15 && (c !== DIGIT_0 || end - i === 1)) {
      let n = 0;
      let k = i;
      while (k < end && u8[k] >= DIGIT_0 && u8[k] <= DIGIT_9) n = n * 10 + (u8[k++] - DIGIT_0);
      if (k === end) {
        this.kind[slot] = Kind.SmallInteger;
        this.integer[slot] = n;
      }
    }
    return end;
  }

  private skipSpace(i: number, limit: number): number {
    const u8 = this.u8;
    while (i < limit) {
      const c = u8[i];
      if (c !== SPACE && c !== TAB && c !== CR) break;
      i++;
    }
    return i;
  }

  /**
   * Scans a string's characters from `i` (after its opening quote); returns the index of its
   * closing quote, or REJECT for a control character, a bad escape or the line's end.
   * Four bytes at a time while none is a quote, a backslash or a control character.
   */
  private skipString(i: number, limit: number): number {
    const u8 = this.u8;
    const view = this.view;
    this.escaped = false;
    for (;;) {
      // Four bytes at a time while none is a quote, a backslash or a control character.
      while (i + 4 <= limit && special(view.getInt32(i, true)) === 0) i += 4;
      while (i < limit) {
        const c = u8[i];
        if (c === QUOTE || c === BACKSLASH || c < SPACE) break;
        i++;
      }
      if (i >= limit) return REJECT;
      const c = u8[i];
      if (c === QUOTE) return i;
      if (c !== BACKSLASH) return REJECT;
      this.escaped = true;
      if (i + 1 >= limit) return REJECT;
      const e = u8[i + 1];
      if (ESCAPABLE[e] === 1) i += 2;
      else if (e === 0x75 /* u */) {
        if (i + 6 > limit || !HEX[u8[i + 2]] || !HEX[u8[i + 3]] || !HEX[u8[i + 4]] || !HEX[u8[i + 5]]) return REJECT;
        i += 6;
      } else return REJECT;
    }
  }

  /** Scans one JSON number as the grammar has it; returns the index after it or REJECT. */
  private skipNumber(i: number, limit: number): number {
    const u8 = this.u8;
    if (u8[i] === MINUS) i++;
    if (i >= limit) return REJECT;
    let c = u8[i];
    if (c === DIGIT_0) i++;
    else if (c > DIGIT_0 && c <= DIGIT_9) {
      i++;
      while (i < limit && u8[i] >= DIGIT_0 && u8[i] <= DIGIT_9) i++;
    } else return REJECT;
    if (i < limit && u8[i] === 0x2e /* . */) {
      i++;
      const digits = i;
      while (i < limit && u8[i] >= DIGIT_0 && u8[i] <= DIGIT_9) i++;
      if (i === digits) return REJECT;
    }
    c = u8[i];
    if (i < limit && (c === 0x65 || c === 0x45) /* e E */) {
      i++;
      if (i < limit && (u8[i] === 0x2b || u8[i] === MINUS)) i++;
      const digits = i;
      while (i < limit && u8[i] >= DIGIT_0 && u8[i] <= DIGIT_9) i++;
      if (i === digits) return REJECT;
    }
    return i;
  }

  /** `true`, `false` or `null` at `i`; returns the index after it or REJECT. */
  private skipLiteral(i: number, limit: number): number {
    const u8 = this.u8;
    const c = u8[i];
    if (c === 0x74 /* t */) {
      return i + 4 <= limit && u8[i + 1] === 0x72 && u8[i + 2] === 0x75 && u8[i + 3] === 0x65 ? i + 4 : REJECT;
    }
    if (c === 0x66 /* f */) {
      return i + 5 <= limit && u8[i + 1] === 0x61 && u8[i + 2] === 0x6c && u8[i + 3] === 0x73 && u8[i + 4] === 0x65
        ? i + 5
        : REJECT;
    }
    if (c === 0x6e /* n */) {
      return i + 4 <= limit && u8[i + 1] === 0x75 && u8[i + 2] === 0x6c && u8[i + 3] === 0x6c ? i + 4 : REJECT;
    }
    return REJECT;
  }

  /** A scalar value at `i` (string, number, literal); returns the index after it or REJECT. */
  private skipScalar(i: number, limit: number): number {
    const c = this.u8[i];
    if (c === QUOTE) {
      const close = this.skipString(i + 1, limit);
      return close === REJECT ? REJECT : close + 1;
    }
    if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) return this.skipNumber(i, limit);
    return this.skipLiteral(i, limit);
  }

  /** Any value at `i`, nested objects and arrays included (with a stack, not recursion). */
  private skipValue(i: number, limit: number): number {
    const u8 = this.u8;
    const c = u8[i];
    if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) return this.skipScalar(i, limit);
    let depth = 0;
    for (;;) {
      // At a value: open a container, or scan a scalar.
      const v = u8[i];
      if (v === OPEN_OBJECT || v === OPEN_ARRAY) {
        if (depth === this.stack.length) {
          const grown = new Uint8Array(depth * 2);
          grown.set(this.stack);
          this.stack = grown;
        }
        this.stack[depth++] = v === OPEN_OBJECT ? 1 : 2;
        i = this.skipSpace(i + 1, limit);
        if (i >= limit) return REJECT;
        const close = u8[i];
        if ((v === OPEN_OBJECT && close === CLOSE_OBJECT) || (v === OPEN_ARRAY && close === CLOSE_ARRAY)) {
          depth--;
          i++;
        } else {
          if (v === OPEN_OBJECT) {
            i = this.member(i, limit);
            if (i === REJECT) return REJECT;
          }
          continue;
        }
      } else {
        i = this.skipScalar(i, limit);
        if (i === REJECT) return REJECT;
      }
      // After a value: a comma and the next, or the end of containers.
      for (;;) {
        if (depth === 0) return i;
        i = this.skipSpace(i, limit);
        if (i >= limit) return REJECT;
        const inObject = this.stack[depth - 1] === 1;
        const d = u8[i];
        if (d === COMMA) {
          i = this.skipSpace(i + 1, limit);
          if (i >= limit) return REJECT;
          if (inObject) {
            i = this.member(i, limit);
            if (i === REJECT) return REJECT;
          }
          break;
        }
        if (d !== (inObject ? CLOSE_OBJECT : CLOSE_ARRAY)) return REJECT;
        depth--;
        i++;
      }
    }
  }

  /** A member's name and colon inside a nested object; returns the index of its value or REJECT. */
  private member(i: number, limit: number): number {
    const u8 = this.u8;
    if (u8[i] !== QUOTE) return REJECT;
    const close = this.skipString(i + 1, limit);
    if (close === REJECT) return REJECT;
    i = this.skipSpace(close + 1, limit);
    if (i >= limit || u8[i] !== COLON) return REJECT;
    i = this.skipSpace(i + 1, limit);
    return i >= limit ? REJECT : i;
  }
}
