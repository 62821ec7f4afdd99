import { reject } from '../model/rejection.js';
import { UNKNOWN_COLO } from '../model/request.js';
import { badStatus, byteCount, checkTime, epochMs, jsonObject, NotAnObject, statusCode, wrongType } from './fields.js';
import type { CommonParserOptions, Parser, ParserFactory } from './parser.js';

/** Normalized fields a mapping may name, and the source field each reads when unmapped. */
export const MAPPABLE_FIELDS = {
  ts: 'ts',
  zone: 'zone',
  host: 'host',
  colo: 'colo',
  status: 'status',
  originStatus: 'originStatus',
  edgeErrorCode: 'edgeErrorCode',
  bytes: 'bytes',
} as const;
export type MappableField = keyof typeof MAPPABLE_FIELDS;

/** Reads `--map ts=time,status=code,colo=pop.code` into a field map; throws with what is allowed. */
export function parseFieldMap(text: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of text.split(',')) {
    if (!pair.trim()) continue;
    const m = /^\s*([A-Za-z]+)\s*=\s*([^=\s][^=]*?)\s*$/.exec(pair);
    if (!m) throw new Error(`--map: "${pair}" is not NAME=FIELD (e.g. ts=time,status=code)`);
    if (!(m[1] in MAPPABLE_FIELDS)) {
      throw new Error(`--map: unknown field "${m[1]}"; mappable fields are ${Object.keys(MAPPABLE_FIELDS).join(', ')}`);
    }
    map[m[1]] = m[2];
  }
  return map;
}

type Getter = (o: Record<string, unknown>) => unknown;

/** A getter for a field name or a dotted path into nested objects. */
function getter(path: string): Getter {
  const parts = path.split('.');
  if (parts.length === 1) return (o) => o[path];
  return (o) => {
    let value: unknown = o;
    for (const part of parts) {
      if (value === null || typeof value !== 'object') return undefined;
      value = (value as Record<string, unknown>)[part];
    }
    return value;
  };
}

/** What the generic NDJSON parser reads besides the common options. */
export interface NdjsonOptions extends CommonParserOptions {
  /** Field mapping, normalized field name -> source field name. */
  fieldMap?: Record<string, string>;
}

/** Generic NDJSON: any JSON object per line, with a mapping from normalized fields to its fields. */
export const ndjsonParser: ParserFactory<NdjsonOptions> = (options) => {
  const map = options.fieldMap ?? {};
  const name = (field: MappableField) => map[field] ?? MAPPABLE_FIELDS[field];
  const get = Object.fromEntries(
    (Object.keys(MAPPABLE_FIELDS) as MappableField[]).map((field) => [field, getter(name(field))]),
  ) as Record<MappableField, Getter>;
  const defaultColo = options.colo?.toUpperCase() ?? UNKNOWN_COLO;

  const optionalString = (o: Record<string, unknown>, field: MappableField): string | undefined | Error => {
    const value = get[field](o);
    if (value === undefined || value === null || value === '') return undefined;
    return typeof value === 'string' ? value : new Error(name(field));
  };

  const parser: Parser = {
    format: 'ndjson',
    parse(line, out) {
      const o = jsonObject(line);
      if (o instanceof NotAnObject) return o.rejection;

      const rawTs = get.ts(o);
      if (rawTs === undefined) return reject('missing-field', `${name('ts')} (the timestamp) is missing`);
      const ts = epochMs(rawTs);
      const badTime = checkTime(ts, name('ts'), rawTs);
      if (badTime) return badTime;
      out.ts = Math.floor(ts);

      const rawStatus = get.status(o);
      if (rawStatus === undefined) return reject('missing-field', `${name('status')} (the status) is missing`);
      out.edgeStatus = statusCode(rawStatus, false);
      if (Number.isNaN(out.edgeStatus)) return badStatus(name('status'), rawStatus, false);

      const rawOrigin = get.originStatus(o);
      if (rawOrigin !== undefined && rawOrigin !== null) {
        out.originStatus = statusCode(rawOrigin, true);
        if (Number.isNaN(out.originStatus)) return badStatus(name('originStatus'), rawOrigin, true);
      }

      const zone = optionalString(o, 'zone') ?? options.zone;
      if (zone instanceof Error) return wrongType(zone.message, get.zone(o), 'a string');
      if (!zone) return reject('missing-zone', `no ${name('zone')} in the line and no --zone given`);
      out.zone = zone;

      const host = optionalString(o, 'host');
      if (host instanceof Error) return wrongType(host.message, get.host(o), 'a string');
      out.host = host?.toLowerCase() ?? '';

      const colo = optionalString(o, 'colo');
      if (colo instanceof Error) return wrongType(colo.message, get.colo(o), 'a string');
      out.colo = colo?.toUpperCase() ?? defaultColo;

      const rawBytes = get.bytes(o);
      if (rawBytes !== undefined && rawBytes !== null) {
        out.bytes = byteCount(rawBytes);
        if (Number.isNaN(out.bytes)) return wrongType(name('bytes'), rawBytes, 'a non-negative integer');
      }

      const rawCode = get.edgeErrorCode(o);
      if (rawCode !== undefined && rawCode !== null && rawCode !== 0) {
        const code = typeof rawCode === 'number' ? rawCode : Number(rawCode);
        if (!Number.isInteger(code) || code < 1000 || code > 1999) {
          return wrongType(name('edgeErrorCode'), rawCode, 'a 1xxx edge error code');
        }
        out.edgeErrorCode = code;
      }
      return null;
    },
  };
  return parser;
};
