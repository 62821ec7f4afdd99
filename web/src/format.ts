const integer = new Intl.NumberFormat('en-US');
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** 1,234,567 */
export const count = (n: number) => integer.format(n);

/** 1.2M, for axes and cards. */
export const short = (n: number) => compact.format(n);

/** A share with two decimals, or "<0.01 %" so a rare error never reads as zero. */
export function percent(p: number): string {
  if (p > 0 && p < 0.01) return '<0.01 %';
  return `${p.toFixed(2)} %`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Local date and time to the minute: 2026-11-24 13:05. */
export function minute(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The value a datetime-local input takes for an ISO time (local time, to the minute). */
export function localInput(iso: string): string {
  return minute(Date.parse(iso)).replace(' ', 'T');
}
