import { classify } from '../classify/classify.js';
import { emptyRequest, type NormalizedRequest } from '../model/request.js';
import { MINUTE_MS, type RollupRow } from '../rollup/rollup.js';

/** One kind of response the demo traffic has, with its share of requests. */
export interface Outcome {
  share: number;
  edgeStatus: number;
  originStatus: number;
  edgeErrorCode?: number;
  cause?: number;
  wsRateLimited?: boolean;
  /** Average response bytes. */
  bytes: number;
}

/** A normal day: mostly 2xx and 3xx, a few percent of 4xx, a trickle of every error group. */
export const NORMAL: readonly Outcome[] = [
  { share: 0.7, edgeStatus: 200, originStatus: 200, bytes: 24_000 },
  { share: 0.09, edgeStatus: 304, originStatus: 304, bytes: 300 },
  { share: 0.025, edgeStatus: 301, originStatus: 301, bytes: 400 },
  { share: 0.02, edgeStatus: 302, originStatus: 302, bytes: 400 },
  { share: 0.015, edgeStatus: 204, originStatus: 204, bytes: 200 },
  { share: 0.008, edgeStatus: 206, originStatus: 206, bytes: 900_000 },
  { share: 0.035, edgeStatus: 404, originStatus: 404, bytes: 3_000 },
  { share: 0.006, edgeStatus: 400, originStatus: 400, bytes: 1_000 },
  { share: 0.004, edgeStatus: 401, originStatus: 401, bytes: 800 },
  { share: 0.012, edgeStatus: 403, originStatus: 0, edgeErrorCode: 1020, bytes: 5_000 },
  { share: 0.004, edgeStatus: 400, originStatus: 0, bytes: 600 },
  { share: 0.006, edgeStatus: 429, originStatus: 0, bytes: 500 },
  { share: 0.003, edgeStatus: 499, originStatus: 0, bytes: 0 },
  { share: 0.0005, edgeStatus: 409, originStatus: 0, edgeErrorCode: 1001, bytes: 4_000 },
  { share: 0.002, edgeStatus: 500, originStatus: 500, bytes: 1_500 },
  { share: 0.0008, edgeStatus: 502, originStatus: 502, bytes: 1_200 },
  { share: 0.0007, edgeStatus: 503, originStatus: 503, bytes: 1_200 },
  { share: 0.0002, edgeStatus: 503, originStatus: 0, wsRateLimited: true, bytes: 300 },
  { share: 0.0004, edgeStatus: 504, originStatus: 0, bytes: 1_000 },
  { share: 0.0003, edgeStatus: 520, originStatus: 0, bytes: 3_000 },
  { share: 0.0002, edgeStatus: 522, originStatus: 0, bytes: 3_000 },
  { share: 0.0002, edgeStatus: 524, originStatus: 0, bytes: 3_000 },
];

/**
 * An origin incident in one data center: its origin stops answering for most requests, which the
 * edge reports as 52x (connection refused or timed out), and the origin's own 503s go up.
 */
export const INCIDENT: readonly Outcome[] = [
  { share: 0.28, edgeStatus: 522, originStatus: 0, bytes: 3_000 },
  { share: 0.12, edgeStatus: 524, originStatus: 0, bytes: 3_000 },
  { share: 0.06, edgeStatus: 520, originStatus: 0, bytes: 3_000 },
  { share: 0.02, edgeStatus: 523, originStatus: 0, bytes: 3_000 },
  { share: 0.06, edgeStatus: 503, originStatus: 503, bytes: 1_200 },
];
const INCIDENT_SHARE = INCIDENT.reduce((sum, o) => sum + o.share, 0);

/** A data center: its share of the zone's traffic and its UTC offset, which sets its daily peak. */
export interface Colo {
  colo: string;
  share: number;
  utcOffset: number;
}

export const COLOS: readonly Colo[] = [
  { colo: 'FRA', share: 0.22, utcOffset: 1 },
  { colo: 'LHR', share: 0.16, utcOffset: 0 },
  { colo: 'AMS', share: 0.12, utcOffset: 1 },
  { colo: 'IAD', share: 0.18, utcOffset: -5 },
  { colo: 'SJC', share: 0.12, utcOffset: -8 },
  { colo: 'NRT', share: 0.11, utcOffset: 9 },
  { colo: 'SIN', share: 0.09, utcOffset: 8 },
];

/** A zone's traffic: average requests per minute, and origin incidents (in one data center each). */
export interface ZoneTraffic {
  zone: string;
  host: string;
  perMinute: number;
  incidents: { colo: string; from: number; to: number }[];
}

/** Load factor over the day in a data center's local time: lowest around 04:00, highest around 16:00. */
export function diurnal(minute: number, utcOffset: number): number {
  const hour = (((minute / 3_600_000 + utcOffset) % 24) + 24) % 24;
  return 1 + 0.6 * Math.sin(((hour - 10) / 24) * 2 * Math.PI);
}

/** A small, seedable random generator (mulberry32), so a demo run is reproducible. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Poisson-distributed count with mean `mean` (normal approximation for large means). */
export function poisson(mean: number, rand: () => number): number {
  if (mean <= 0) return 0;
  if (mean > 40) {
    const normal = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal));
  }
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rand(); p > limit; p *= rand()) k++;
  return k;
}

/**
 * The rollup rows of one minute of a zone's traffic, `fraction` of a minute of it (live feeding
 * sends a few seconds at a time). Counts are drawn per data center and outcome, so the result is
 * what ingesting that many log lines would give, without the lines.
 */
export function minuteRows(traffic: ZoneTraffic, minute: number, rand: () => number, fraction = 1): RollupRow[] {
  const rows: RollupRow[] = [];
  const request: NormalizedRequest = { ...emptyRequest(), zone: traffic.zone, host: traffic.host };
  for (const colo of COLOS) {
    const mean = traffic.perMinute * fraction * colo.share * diurnal(minute, colo.utcOffset);
    const incident = traffic.incidents.some((i) => i.colo === colo.colo && minute >= i.from && minute < i.to);
    // During an incident the failures take the place of responses that would have succeeded.
    const normalScale = incident ? 1 - INCIDENT_SHARE : 1;
    for (const outcome of incident ? [...NORMAL, ...INCIDENT] : NORMAL) {
      const scale = NORMAL.includes(outcome) ? normalScale : 1;
      const requests = poisson(mean * scale * outcome.share, rand);
      if (requests === 0) continue;
      Object.assign(request, {
        colo: colo.colo,
        edgeStatus: outcome.edgeStatus,
        originStatus: outcome.originStatus,
        edgeErrorCode: outcome.edgeErrorCode ?? 0,
        cause: outcome.cause ?? 0,
        wsRateLimited: outcome.wsRateLimited ?? false,
      });
      const { status, group, source } = classify(request);
      rows.push({
        minute: minute - (minute % MINUTE_MS),
        zone: traffic.zone,
        host: traffic.host,
        colo: colo.colo,
        edgeStatus: outcome.edgeStatus,
        status,
        originStatus: outcome.originStatus,
        group,
        source,
        requests,
        bytes: Math.round(requests * outcome.bytes * (0.5 + rand())),
      });
    }
  }
  return rows;
}
