/** nginx's `$time_local` (`10/Oct/2026:13:55:36 +0200`) read into epoch ms, with a cache of its own per parser. */

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};
const TIME_LOCAL = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

/**
 * Reads `$time_local` texts. Lines come in time order: most share the minute
 * (`10/Oct/2026:13:55`) and offset of the one before, so the last minute is kept. Each
 * parser owns one, so two parsers in one process (two inputs, or detection beside an
 * ingest) never read each other's minute.
 */
export class TimeLocal {
  private minutePrefix = '';
  private offsetSuffix = '';
  private minuteMs = Number.NaN;

  /** `10/Oct/2026:13:55:36 +0200` to epoch ms; NaN when it is not that shape. */
  parse(text: string): number {
    const prefix = this.minutePrefix;
    if (text.length === 26 && prefix !== '' && text.startsWith(prefix) && text.endsWith(this.offsetSuffix)) {
      const tens = text.charCodeAt(18) - 48;
      const ones = text.charCodeAt(19) - 48;
      if (text.charCodeAt(17) === 58 && tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9) {
        return this.minuteMs + (tens * 10 + ones) * 1000;
      }
    }
    const m = TIME_LOCAL.exec(text);
    if (!m || MONTHS[m[2]] === undefined) return Number.NaN;
    const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) * 60_000;
    const ms = Date.UTC(+m[3], MONTHS[m[2]], +m[1], +m[4], +m[5], +m[6]) - offset;
    this.minutePrefix = text.slice(0, 17);
    this.offsetSuffix = text.slice(20);
    this.minuteMs = ms - Number(m[6]) * 1000;
    return ms;
  }
}
