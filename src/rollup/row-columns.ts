import type { Group, Source } from '../classify/rules.js';
import type { RequestSource } from '../model/request-source.js';
import type { RollupRow } from './rollup.js';

/**
 * Rollup rows as columns of typed arrays, strings as indexes into one table of the distinct
 * values: how rows cross between threads. The arrays are transferred, not copied, and the
 * receiver does not deserialize an object per row.
 */
export interface RowColumns {
  count: number;
  strings: string[];
  minute: Float64Array;
  requests: Float64Array;
  bytes: Float64Array;
  /** edgeStatus, status, originStatus: three per row. */
  statuses: Uint16Array;
  /** zone, host, colo, group, source, requestSource: six string indexes per row. */
  names: Uint32Array;
}

const NAMES = 6;

/** The rows as columns. */
export function toColumns(rows: RollupRow[]): RowColumns {
  const count = rows.length;
  const strings: string[] = [];
  const index = new Map<string, number>();
  const at = (value: string) => {
    let i = index.get(value);
    if (i === undefined) {
      i = strings.push(value) - 1;
      index.set(value, i);
    }
    return i;
  };
  const columns: RowColumns = {
    count,
    strings,
    minute: new Float64Array(count),
    requests: new Float64Array(count),
    bytes: new Float64Array(count),
    statuses: new Uint16Array(count * 3),
    names: new Uint32Array(count * NAMES),
  };
  const { minute, requests, bytes, statuses, names } = columns;
  for (let r = 0; r < count; r++) {
    const row = rows[r];
    minute[r] = row.minute;
    requests[r] = row.requests;
    bytes[r] = row.bytes;
    statuses[r * 3] = row.edgeStatus;
    statuses[r * 3 + 1] = row.status;
    statuses[r * 3 + 2] = row.originStatus;
    const n = r * NAMES;
    names[n] = at(row.zone);
    names[n + 1] = at(row.host);
    names[n + 2] = at(row.colo);
    names[n + 3] = at(row.group);
    names[n + 4] = at(row.source);
    names[n + 5] = at(row.requestSource ?? '');
  }
  return columns;
}

/** The buffers to transfer with the columns. */
export function columnBuffers(c: RowColumns): ArrayBuffer[] {
  return [c.minute.buffer, c.requests.buffer, c.bytes.buffer, c.statuses.buffer, c.names.buffer] as ArrayBuffer[];
}

/** The rows back from their columns. */
export function fromColumns(c: RowColumns): RollupRow[] {
  const { strings, minute, requests, bytes, statuses, names } = c;
  const rows: RollupRow[] = new Array(c.count);
  for (let r = 0; r < c.count; r++) {
    const n = r * NAMES;
    const requestSource = strings[names[n + 5]];
    rows[r] = {
      minute: minute[r],
      zone: strings[names[n]],
      host: strings[names[n + 1]],
      colo: strings[names[n + 2]],
      edgeStatus: statuses[r * 3],
      status: statuses[r * 3 + 1],
      originStatus: statuses[r * 3 + 2],
      group: strings[names[n + 3]] as Group,
      source: strings[names[n + 4]] as Source,
      requestSource: requestSource === '' ? undefined : (requestSource as RequestSource),
      requests: requests[r],
      bytes: bytes[r],
    };
  }
  return rows;
}
