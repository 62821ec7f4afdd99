/** Renders rows as an aligned text table: numbers right-aligned, everything else left. */
export function textTable(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((row) => row.map((v) => (typeof v === 'number' ? v.toLocaleString('en-US') : v)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number'));
  const line = (row: string[]) =>
    row
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
