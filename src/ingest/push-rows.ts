import type { Group, Source } from '../classify/rules.js';
import type { RequestSource } from '../model/request-source.js';
import type { RollupRow } from '../rollup/rollup.js';

/**
 * Rollup rows as columns, to cross between threads: numbers in one typed array and strings as
 * indexes into a table of the distinct ones, both transferred rather than cloned object by
 * object (cloning rows was a tenth of a parsing thread's time on small pushes).
 */
export interface RowColumns {
  count: number;
  /** Per row: minute, edgeStatus, status, originStatus, requests, bytes. */
  numbers: Float64Array;
  /** Per row: zone, host, colo, group, source, requestSource, as indexes into `strings` (NONE: absent). */
  refs: Uint32Array;
  strings: string[];
}

const NUMBERS = 6;
const REFS = 6;
const NONE = 0xffffffff;

export function encodeRows(rows: readonly RollupRow[]): RowColumns {
  const numbers = new Float64Array(rows.length * NUMBERS);
  const refs = new Uint32Array(rows.length * REFS);
  const strings: string[] = [];
  const index = new Map<string, number>();
  const ref = (value: string | undefined): number => {
    if (value === undefined) return NONE;
    let i = index.get(value);
    if (i === undefined) {
      i = strings.push(value) - 1;
      index.set(value, i);
    }
    return i;
  };
  rows.forEach((row, i) => {
    numbers.set([row.minute, row.edgeStatus, row.status, row.originStatus, row.requests, row.bytes], i * NUMBERS);
    refs.set(
      [ref(row.zone), ref(row.host), ref(row.colo), ref(row.group), ref(row.source), ref(row.requestSource)],
      i * REFS,
    );
  });
  return { count: rows.length, numbers, refs, strings };
}

export function decodeRows({ count, numbers, refs, strings }: RowColumns): RollupRow[] {
  const rows: RollupRow[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const n = i * NUMBERS;
    const r = i * REFS;
    const row: RollupRow = {
      minute: numbers[n],
      zone: strings[refs[r]],
      host: strings[refs[r + 1]],
      colo: strings[refs[r + 2]],
      edgeStatus: numbers[n + 1],
      status: numbers[n + 2],
      originStatus: numbers[n + 3],
      group: strings[refs[r + 3]] as Group,
      source: strings[refs[r + 4]] as Source,
      requests: numbers[n + 4],
      bytes: numbers[n + 5],
    };
    if (refs[r + 5] !== NONE) row.requestSource = strings[refs[r + 5]] as RequestSource;
    rows[i] = row;
  }
  return rows;
}

/** The buffers of encoded rows, to transfer with the message that carries them. */
export function rowBuffers(columns: RowColumns): ArrayBuffer[] {
  return [columns.numbers.buffer as ArrayBuffer, columns.refs.buffer as ArrayBuffer];
}
