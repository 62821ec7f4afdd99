/** Field positions of a W3C extended log (`#Fields: date time ...`), learned from its header lines. */
export class W3cFields {
  private index = new Map<string, number>();
  /** How many fields a line has under the current header. */
  count = 0;

  constructor(fields: readonly string[]) {
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

  private set(fields: readonly string[]): void {
    this.index = new Map(fields.map((name, i) => [name, i]));
    this.count = fields.length;
  }
}
