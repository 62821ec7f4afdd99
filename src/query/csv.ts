import type { QueryAnswer, QueryRow } from '../model/query.js';
import type { AnswerStream } from './run.js';

/**
 * A text cell starting with one of these is read as a formula by spreadsheet tools (Excel,
 * LibreOffice, Google Sheets), or has them skip the tab or CR and then read a formula: a host
 * `=HYPERLINK(...)` from a log line would become a live link, `=cmd|...` a DDE command.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell that could start a formula, with a leading `'` that spreadsheets read as "this is text". */
export function neutralizeFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * One CSV field: text is neutralized (numbers, negative ones too, stay numbers), then quoted
 * when it holds a comma, quote or line break (RFC 4180).
 */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = typeof value === 'number' ? String(value) : neutralizeFormula(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A query answer as CSV: header `t,<by...>,requests,bytes,percent`, one line per row, CRLF line ends. */
export function answerToCsv(answer: QueryAnswer): string {
  return csvHeader(answer.by) + csvLines(answer.by, answer.rows);
}

/** A streamed answer as CSV, chunk by chunk. */
export async function* answerCsv(stream: AnswerStream): AsyncGenerator<string> {
  yield csvHeader(stream.head.by);
  for await (const rows of stream.rows) if (rows.length) yield csvLines(stream.head.by, rows);
}

const columnsOf = (by: readonly string[]) => ['t', ...by, 'requests', 'bytes', 'percent'];

function csvHeader(by: readonly string[]): string {
  return `${columnsOf(by).join(',')}\r\n`;
}

function csvLines(by: readonly string[], rows: readonly QueryRow[]): string {
  const columns = columnsOf(by);
  let text = '';
  for (const row of rows) {
    const record = row as unknown as Record<string, string | number | undefined>;
    text += `${columns.map((column) => csvField(record[column])).join(',')}\r\n`;
  }
  return text;
}
