import { classify } from '../classify/classify.js';
import { emptyRequest } from '../model/request.js';
import type { RollupRow } from '../rollup/rollup.js';

/**
 * A month of a busy zone's traffic at rollup level, as a fleet of agents would commit it: 100
 * data centers × 50 hosts × 20 statuses, each Zipf-skewed (a few data centers and hosts take
 * most requests, 200 dominates), a daily cycle, and a few error bursts in one data center.
 * Counts per minute are drawn (Poisson) from each combination's expected rate, so rare
 * combinations appear in some minutes only, as in real logs. Deterministic for a seed.
 */

export const MONTH_ZONE = 'month.example';
const MINUTE = 60_000;
const DAY = 86_400_000;
const COLOS = 100;
const HOSTS = 50;
/** Status (as the client got it), share of requests, whether the origin answered, mean bytes. */
const STATUSES: readonly [number, number, boolean, number][] = [
  [200, 0.8, true, 24_000],
  [304, 0.06, true, 300],
  [404, 0.03, true, 1200],
  [301, 0.02, true, 400],
  [302, 0.015, true, 400],
  [204, 0.01, true, 200],
  [403, 0.01, false, 900],
  [206, 0.005, true, 180_000],
  [401, 0.005, true, 500],
  [400, 0.004, true, 500],
  [429, 0.003, false, 600],
  [499, 0.003, false, 0],
  [500, 0.002, true, 1500],
  [502, 0.002, true, 1500],
  [503, 0.002, true, 1500],
  [504, 0.001, true, 1500],
  [520, 0.0008, false, 2000],
  [521, 0.0004, false, 2000],
  [522, 0.0004, false, 2000],
  [524, 0.0004, false, 2000],
];
/**
 * Zipf exponents of data centers and hosts: steep (the busiest data center takes 75% of the
 * requests, the main host 92%), so that about 500 keys are seen per minute at 51,000 requests
 * per minute, every data center and host every day. Milder skews put thousands of keys in each
 * minute: more rows than this shared machine writes in a bench run.
 */
export const COLO_SKEW = 2.5;
export const HOST_SKEW = 4;

export interface MonthShape {
  days: number;
  /** Mean requests per minute over the zone (the daily cycle moves it ±40%). */
  perMinute: number;
  /** Agents; agent a owns data centers a, a + agents, a + 2·agents… */
  agents: number;
  /** The minute after the last one. */
  end: number;
  seed: number;
}

/** One error burst: a data center answers one 5xx status to part of its traffic for a while. */
interface Burst {
  colo: number;
  from: number;
  to: number;
  status: number;
  share: number;
}

/** mulberry32: small, fast, seeded. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const zipf = (n: number, s: number) => {
  const w = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);
  const sum = w.reduce((a, b) => a + b);
  return w.map((x) => x / sum);
};

/** A data center code per rank: AAA, AAB… (three letters, as IATA codes). */
const coloName = (i: number) =>
  String.fromCharCode(65 + Math.floor(i / 676), 65 + (Math.floor(i / 26) % 26), 65 + (i % 26));

/** One combination of an agent: its row template and its expected requests per minute. */
interface Combo {
  row: Omit<RollupRow, 'minute' | 'requests' | 'bytes'>;
  meanBytes: number;
  lambda: number;
}

export class MonthTraffic {
  readonly from: number;
  private readonly perAgent: { head: Combo[]; tail: Combo[]; tailCumulative: Float64Array; tailSum: number }[] = [];
  private readonly bursts: Burst[] = [];
  private readonly templates: Map<string, Omit<Combo, 'lambda'>>[] = [];
  private readonly next: () => number;

  constructor(readonly shape: MonthShape) {
    this.from = shape.end - shape.days * DAY;
    this.next = random(shape.seed);
    const colo = zipf(COLOS, COLO_SKEW);
    const host = zipf(HOSTS, HOST_SKEW);
    const statusSum = STATUSES.reduce((a, s) => a + s[1], 0);
    const classified = STATUSES.map(([status, share, fromOrigin, meanBytes]) => {
      const c = classify({ ...emptyRequest(), edgeStatus: status, originStatus: fromOrigin ? status : 0 });
      return {
        share: share / statusSum,
        meanBytes,
        row: {
          edgeStatus: status,
          originStatus: fromOrigin ? status : 0,
          status: c.status,
          group: c.group,
          source: c.source,
        },
      };
    });
    for (let a = 0; a < shape.agents; a++) {
      const combos: Combo[] = [];
      for (let c = a; c < COLOS; c += shape.agents) {
        for (let h = 0; h < HOSTS; h++) {
          for (const s of classified) {
            combos.push({
              row: { zone: MONTH_ZONE, host: `h${h}.${MONTH_ZONE}`, colo: coloName(c), ...s.row },
              meanBytes: s.meanBytes,
              lambda: shape.perMinute * colo[c] * host[h] * s.share,
            });
          }
        }
      }
      const head = combos.filter((c) => c.lambda >= 1);
      const tail = combos.filter((c) => c.lambda < 1);
      const tailCumulative = new Float64Array(tail.length);
      let sum = 0;
      tail.forEach((c, i) => {
        sum += c.lambda;
        tailCumulative[i] = sum;
      });
      this.perAgent.push({ head, tail, tailCumulative, tailSum: sum });
    }
    // Five bursts over the month, 20 to 90 minutes each, in one of the 20 busiest data centers.
    for (let i = 0; i < 5; i++) {
      const start = this.from + Math.floor(this.next() * shape.days * 1440) * MINUTE;
      this.bursts.push({
        colo: Math.floor(this.next() * 20),
        from: start,
        to: start + (20 + Math.floor(this.next() * 70)) * MINUTE,
        status: [502, 503, 520, 522][i % 4],
        share: 0.2 + this.next() * 0.5,
      });
    }
    for (let a = 0; a < shape.agents; a++) this.templates.push(new Map());
  }

  /** The data centers agent `a` owns. */
  colosOf(agent: number): string[] {
    const out: string[] = [];
    for (let c = agent; c < COLOS; c += this.shape.agents) out.push(coloName(c));
    return out;
  }

  /** The daily cycle: busiest at 15:00 UTC, quietest at 03:00, ±40%. */
  private cycle(minute: number): number {
    return 1 + 0.4 * Math.sin((2 * Math.PI * ((minute % DAY) / 3_600_000 - 9)) / 24);
  }

  /** A Poisson draw (normal approximation above 12). */
  private poisson(lambda: number): number {
    if (lambda > 12) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.gauss()));
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  private gauss(): number {
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
  }

  /** Agent `agent`'s rows of one minute, appended to `out`; returns their requests. */
  minuteRows(agent: number, minute: number, out: RollupRow[]): number {
    const { head, tail, tailCumulative, tailSum } = this.perAgent[agent];
    const f = this.cycle(minute);
    let requests = 0;
    const emit = (c: Omit<Combo, 'lambda'>, n: number) => {
      const r = c.row;
      out.push({
        minute,
        zone: r.zone,
        host: r.host,
        colo: r.colo,
        edgeStatus: r.edgeStatus,
        status: r.status,
        originStatus: r.originStatus,
        group: r.group,
        source: r.source,
        requests: n,
        bytes: n * c.meanBytes,
      });
      requests += n;
    };
    for (const c of head) {
      const n = this.poisson(c.lambda * f);
      if (n > 0) emit(c, n);
    }
    // The rare combinations: as many requests as their summed rate draws, each to one of them by its rate.
    const hits = new Map<number, number>();
    for (let i = this.poisson(tailSum * f); i > 0; i--) {
      const x = this.next() * tailSum;
      let lo = 0;
      let hi = tail.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (tailCumulative[mid] < x) lo = mid + 1;
        else hi = mid;
      }
      hits.set(lo, (hits.get(lo) ?? 0) + 1);
    }
    for (const [i, n] of hits) emit(tail[i], n);
    for (const b of this.bursts) {
      if (minute < b.from || minute >= b.to || b.colo % this.shape.agents !== agent) continue;
      const mine = head.filter((c) => c.row.colo === coloName(b.colo) && c.row.edgeStatus === 200);
      for (const c of mine) {
        const n = this.poisson(c.lambda * f * b.share);
        if (n > 0) emit(this.burstTemplate(agent, c, b.status), n);
      }
    }
    return requests;
  }

  /** The row template of a burst's status for a combination's data center and host. */
  private burstTemplate(agent: number, c: Combo, status: number): Omit<Combo, 'lambda'> {
    const key = `${status}|${c.row.host}|${c.row.colo}`;
    let t = this.templates[agent].get(key);
    if (!t) {
      const k = classify({ ...emptyRequest(), edgeStatus: status, originStatus: status >= 520 ? 0 : status });
      t = {
        row: {
          ...c.row,
          edgeStatus: status,
          originStatus: status >= 520 ? 0 : status,
          status: k.status,
          group: k.group,
          source: k.source,
        },
        meanBytes: 1500,
      };
      this.templates[agent].set(key, t);
    }
    return t;
  }
}
