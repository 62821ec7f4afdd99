import type { QueryAnswer } from './spec.js';

/** Quotes a CSV field when it holds a comma, quote or line break (RFC 4180). */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A query answer as CSV: header `t,<by...>,requests,bytes,percent`, one line per row, CRLF line ends. */
export function answerToCsv(answer: QueryAnswer): string {
  const columns = ['t', ...answer.by, 'requests', 'bytes', 'percent'] as const;
  const lines = [columns.join(',')];
  for (const row of answer.rows) {
    const record = row as unknown as Record<string, string | number | undefined>;
    lines.push(columns.map((column) => csvField(record[column])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
