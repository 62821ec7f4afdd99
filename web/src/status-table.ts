import { csvField } from '../../src/query/csv.js';
import { h } from './dom.js';
import { count, minute, percent } from './format.js';
import { statusColor } from './palette.js';
import type { StatusSeries } from './series.js';
import { SortableTable } from './table.js';

/** One row of the status table: a code in a bucket. */
export interface StatusRow {
  status: number;
  t: number;
  requests: number;
  percent: number;
  /** The bucket is not complete yet (see StatusView.partial). */
  partial: boolean;
}

/** Rows for the visible codes: every bucket in which a code has requests; `partial` is the incomplete bucket's start. */
export function statusRows(visible: StatusSeries[], partial: number | null = null): StatusRow[] {
  const rows: StatusRow[] = [];
  for (const s of visible) {
    for (const [t, point] of s.points)
      rows.push({ status: s.status, t, requests: point.requests, percent: point.percent, partial: t === partial });
  }
  return rows;
}

/** The status table of the product page: code, bucket, count, % of all requests of that bucket. */
export function statusTable(element: HTMLElement): SortableTable<StatusRow> {
  return new SortableTable<StatusRow>(element, {
    caption: 'Requests per status code and bucket',
    pageSize: 25,
    sort: { key: 't', descending: true },
    tieBreak: (a, b) => b.requests - a.requests || a.status - b.status,
    rowProps: (r) => ({ 'data-status': String(r.status), 'data-t': new Date(r.t).toISOString() }),
    columns: [
      {
        key: 'status',
        label: 'Status code',
        value: (r) => r.status,
        cell: (r) =>
          h(
            'span',
            { class: 'code' },
            h('span', { class: 'swatch', style: `background:${statusColor(r.status)}`, 'aria-hidden': 'true' }),
            String(r.status),
          ),
      },
      {
        key: 't',
        label: 'Bucket',
        value: (r) => r.t,
        cell: (r) => {
          // The year goes at phone width, where the table needs the room.
          const text = minute(r.t);
          return h(
            'time',
            { datetime: new Date(r.t).toISOString() },
            h('span', { class: 'year' }, text.slice(0, 5)),
            text.slice(5),
            r.partial
              ? h('span', { class: 'partial', title: 'not complete yet: requests still arriving' }, 'partial')
              : null,
          );
        },
      },
      { key: 'requests', label: 'Requests', numeric: true, value: (r) => r.requests, cell: (r) => count(r.requests) },
      {
        key: 'percent',
        label: '% of requests',
        numeric: true,
        value: (r) => r.percent,
        cell: (r) => h('span', { 'data-percent': String(r.percent) }, percent(r.percent)),
      },
    ],
  });
}

/** The rows as CSV (times in ISO 8601 UTC, percentages as the API gives them), fields written as the API writes them. */
export function statusCsv(rows: readonly StatusRow[]): string {
  const lines = rows.map((r) => [r.status, new Date(r.t).toISOString(), r.requests, r.percent].map(csvField).join(','));
  return `status,bucket,requests,percent\n${lines.join('\n')}\n`;
}

/** Offers text as a file download. */
export function download(name: string, text: string, type = 'text/csv'): void {
  const link = h('a', { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
