import type { CommonParserOptions } from './parser.js';

const TAB = '\t';

/** What a W3C log parser (CloudFront) reads besides the common options. */
export interface W3cOptions extends CommonParserOptions {
  /**
   * The `#Fields:` line of the input, for a parser that starts mid-file (a parallel
   * worker, a followed file's later batch) and so never sees the header itself.
   */
  w3cFields?: string;
}

/**
 * Field positions of a W3C extended log (`#Fields: date time ...`), learned from its
 * header lines, and a reader that slices only the selected fields out of a line.
 */
export class W3cFields {
  private index = new Map<string, number>();
  /** Slot in `read`'s output of each field position, -1 for fields nobody reads. */
  private slotOf = new Int8Array(0);
  /** How many fields a line has under the current header. */
  count = 0;

  constructor(
    fields: readonly string[],
    private readonly selected: readonly string[],
  ) {
    this.set(fields);
  }

  /** Reads a `#` line: a `#Fields:` line replaces the positions; true for any header line. */
  header(line: string): boolean {
    if (line.charCodeAt(0) !== 0x23) return false;
    const m = /^#Fields:\s*(.*)$/i.exec(line);
    if (m) this.set(m[1].trim().split(/\s+/));
    return true;
  }

  /** Position of a field, -1 when the log does not have it. */
  at(name: string): number {
    return this.index.get(name) ?? -1;
  }

  /**
   * Puts the selected fields of a tab-separated line into `values` (in selection order,
   * `-` for a field the header lacks) and returns how many fields the line has.
   * Slices only what is selected: the per-line path allocates a string per read field.
   */
  read(line: string, values: string[]): number {
    for (let i = 0; i < this.selected.length; i++) values[i] = '-';
    const slotOf = this.slotOf;
    let from = 0;
    let field = 0;
    for (;;) {
      const tab = line.indexOf(TAB, from);
      const slot = field < slotOf.length ? slotOf[field] : -1;
      if (slot !== -1) values[slot] = line.slice(from, tab === -1 ? line.length : tab);
      field++;
      if (tab === -1) return field;
      from = tab + 1;
    }
  }

  private set(fields: readonly string[]): void {
    this.index = new Map(fields.map((name, i) => [name, i]));
    this.count = fields.length;
    this.slotOf = new Int8Array(fields.length).fill(-1);
    this.selected.forEach((name, slot) => {
      const at = this.index.get(name);
      if (at !== undefined) this.slotOf[at] = slot;
    });
  }
}
