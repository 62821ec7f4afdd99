import type { RollupRow } from '../rollup/rollup.js';
import type { RollupStore } from '../stores/store.js';

/**
 * The value a colo or host takes once its zone's day holds as many distinct values as allowed.
 * Mixed case on purpose: every parser upper-cases colos and lower-cases hosts, so no real value
 * can normalize to it, and it stays readable in tables, charts and metrics.
 */
export const OVERFLOW_VALUE = '(Other)';

/** How many distinct values ingest lets into the store. */
export interface CardinalityLimits {
  /** Distinct colos per zone per UTC day; the rest fold into OVERFLOW_VALUE. */
  colosPerZoneDay: number;
  /** Distinct hosts per zone per UTC day; the rest fold into OVERFLOW_VALUE. */
  hostsPerZoneDay: number;
  /** Zones the store takes; lines of a new zone beyond are rejected (`too-many-zones`). */
  zones: number;
}

export const DEFAULT_CARDINALITY: CardinalityLimits = { colosPerZoneDay: 1000, hostsPerZoneDay: 10_000, zones: 1000 };

/** Requests whose colo or host was folded into OVERFLOW_VALUE. */
export interface Folded {
  colo: number;
  host: number;
}

const DAY_MS = 86_400_000;
/** Values remembered over all (zone, day)s, about 100 bytes each, before the least recently used day is forgotten. */
const DEFAULT_VALUE_BUDGET = 500_000;
/** (zone, day)s remembered at most, whatever they hold. */
const MAX_ZONE_DAYS = 20_000;
/** Store look-ups a batch may make for zones the guard does not know, once the store is full (data from before the cap). */
const ZONE_LOOKUPS_PER_BATCH = 100;
const REMEMBERED_VERDICTS = 10_000;
const SAMPLE_ZONES = 5;

/** What the guard knows of one zone's UTC day: the values already in the store or committed since. */
interface ZoneDay {
  colo: Set<string>;
  host: Set<string>;
  ready: Promise<void>;
  /** Forgotten by the guard: a batch that still holds it must not add to it. */
  evicted?: boolean;
}

/** The values one batch let into a zone's day, counted by the guard once the batch commits. */
interface Added {
  colo: Set<string>;
  host: Set<string>;
}

interface Place {
  entry: ZoneDay;
  added: Added;
}

interface KnownZones {
  names: Set<string>;
  /** The store held at least as many zones as the cap when seeded: a zone outside `names` may still exist there. */
  truncated: boolean;
}

/**
 * Caps distinct colos and hosts per zone per UTC day, and the number of zones, for every batch
 * written through it. Seeded per (zone, day) from what the store holds, so a restart keeps the
 * caps; forgets the least recently used days past a memory budget (and re-reads them from the
 * store when they come back). One guard per process and store; several writing processes
 * (ClickHouse) may each let in up to the cap.
 */
export class CardinalityGuard {
  private readonly days = new Map<string, ZoneDay>();
  private held = 0;
  private zones?: Promise<KnownZones>;

  constructor(
    readonly store: RollupStore,
    readonly limits: CardinalityLimits = DEFAULT_CARDINALITY,
    private readonly valueBudget = DEFAULT_VALUE_BUDGET,
  ) {}

  /** A batch's view: values it lets in count only once it commits. */
  session(): CardinalitySession {
    return new CardinalitySession(this);
  }

  /** (zone, day)s remembered, for tests of the memory bound. */
  get rememberedDays(): number {
    return this.days.size;
  }

  /** The zone's day, seeded from the store on first use; the most recently used move to the end. */
  zoneDay(zone: string, day: number): ZoneDay {
    const key = `${zone}\u0000${day}`;
    let entry = this.days.get(key);
    if (entry) {
      this.days.delete(key);
      this.days.set(key, entry);
      return entry;
    }
    const colo = new Set<string>();
    const host = new Set<string>();
    const range = { zone, from: day, to: day + DAY_MS };
    const ready = Promise.all([
      this.store.distinctValues({ ...range, dimension: 'colo', limit: this.limits.colosPerZoneDay }),
      this.store.distinctValues({ ...range, dimension: 'host', limit: this.limits.hostsPerZoneDay }),
    ]).then(
      ([colos, hosts]) => {
        for (const c of colos) if (c !== OVERFLOW_VALUE) colo.add(c);
        for (const h of hosts) if (h !== OVERFLOW_VALUE) host.add(h);
        this.held += colo.size + host.size;
        this.evict();
      },
      (err) => {
        // A store that could not answer is asked again by the next batch.
        if (this.days.get(key) === entry) this.days.delete(key);
        entry!.evicted = true;
        throw err;
      },
    );
    entry = { colo, host, ready };
    this.days.set(key, entry);
    return entry;
  }

  knownZones(): Promise<KnownZones> {
    this.zones ??= this.store.distinctValues({ dimension: 'zone', limit: this.limits.zones }).then(
      (names) => ({ names: new Set(names), truncated: names.length >= this.limits.zones }),
      (err) => {
        this.zones = undefined;
        throw err;
      },
    );
    return this.zones;
  }

  /** Adds what a committed batch let in, then forgets old days past the budget. */
  remember(pending: Map<ZoneDay, Added>, zones: Set<string>, known: KnownZones | undefined): void {
    for (const [entry, added] of pending) {
      if (entry.evicted) continue;
      for (const set of ['colo', 'host'] as const) {
        const before = entry[set].size;
        for (const value of added[set]) entry[set].add(value);
        this.held += entry[set].size - before;
      }
    }
    if (known) for (const zone of zones) known.names.add(zone);
    this.evict();
  }

  private evict(): void {
    for (const [key, entry] of this.days) {
      if (this.held <= this.valueBudget && this.days.size <= MAX_ZONE_DAYS) break;
      this.days.delete(key);
      entry.evicted = true;
      this.held -= entry.colo.size + entry.host.size;
    }
  }
}

/** One batch's pass through the guard: folds values over the caps and drops rows of zones over the cap. */
export class CardinalitySession {
  readonly folded: Folded = { colo: 0, host: 0 };
  /** Rows left out because their zone is new and the store is full: requests, zones, the first zones' names. */
  readonly refused = { requests: 0, zones: 0, examples: [] as string[] };
  private readonly pending = new Map<ZoneDay, Added>();
  private readonly pendingZones = new Set<string>();
  private readonly zoneVerdicts = new Map<string, boolean>();
  private lookups = 0;
  private known?: KnownZones;

  constructor(private readonly guard: CardinalityGuard) {}

  /** The rows as they may be stored: folded values, rows of refused zones left out, rows that now coincide summed. */
  async admit(rows: RollupRow[]): Promise<RollupRow[]> {
    const { limits } = this.guard;
    this.known ??= await this.guard.knownZones();
    // Each row's (zone, day), or undefined for a refused zone. Rows come grouped by minute and
    // zone: the last one is kept to skip building a key per row.
    const places: Array<Place | undefined> = new Array(rows.length);
    const seen = new Map<string, Place | undefined>();
    let lastZone = '';
    let lastDay = Number.NaN;
    let last: Place | undefined;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const day = row.minute - (row.minute % DAY_MS);
      if (day !== lastDay || row.zone !== lastZone) {
        const key = `${row.zone}\u0000${day}`;
        if (seen.has(key)) last = seen.get(key);
        else {
          last = (await this.admitZone(row.zone)) ? this.place(row.zone, day) : undefined;
          seen.set(key, last);
        }
        lastZone = row.zone;
        lastDay = day;
      }
      places[i] = last;
    }
    await Promise.all([...seen.values()].map((place) => place?.entry.ready));

    const out: RollupRow[] = [];
    const merged = new Map<string, RollupRow>();
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const place = places[i];
      if (!place) {
        this.refused.requests += row.requests;
        continue;
      }
      const { entry, added } = place;
      const colo = allow(row.colo, entry.colo, added.colo, limits.colosPerZoneDay);
      const host = allow(row.host, entry.host, added.host, limits.hostsPerZoneDay);
      if (colo && host) {
        out.push(row);
        continue;
      }
      if (!colo) this.folded.colo += row.requests;
      if (!host) this.folded.host += row.requests;
      const folded = { ...row, colo: colo ? row.colo : OVERFLOW_VALUE, host: host ? row.host : OVERFLOW_VALUE };
      const key = `${folded.minute}\u0000${folded.zone}\u0000${folded.host}\u0000${folded.colo}\u0000${folded.edgeStatus}\u0000${folded.status}\u0000${folded.originStatus}\u0000${folded.group}\u0000${folded.source}`;
      const same = merged.get(key);
      if (same) {
        same.requests += folded.requests;
        same.bytes += folded.bytes;
      } else {
        merged.set(key, folded);
        out.push(folded);
      }
    }
    return out;
  }

  /** A zone's day as the guard knows it, with what this batch added to it. */
  private place(zone: string, day: number): Place {
    const entry = this.guard.zoneDay(zone, day);
    let added = this.pending.get(entry);
    if (!added) {
      added = { colo: new Set(), host: new Set() };
      this.pending.set(entry, added);
    }
    return { entry, added };
  }

  /** The batch committed: what it let in now counts for every later batch. */
  commit(): void {
    this.guard.remember(this.pending, this.pendingZones, this.known);
    this.pending.clear();
  }

  private async admitZone(zone: string): Promise<boolean> {
    const known = this.known!;
    if (known.names.has(zone) || this.pendingZones.has(zone)) return true;
    const verdict = this.zoneVerdicts.get(zone);
    if (verdict !== undefined) return verdict;
    let ok = known.names.size + this.pendingZones.size < this.guard.limits.zones;
    if (ok) this.pendingZones.add(zone);
    else if (known.truncated && this.lookups < ZONE_LOOKUPS_PER_BATCH) {
      // The store held more zones than the cap before it was set: this one may be one of them.
      this.lookups++;
      ok = (await this.guard.store.distinctValues({ dimension: 'zone', zone, limit: 1 })).length > 0;
    }
    if (!ok) {
      this.refused.zones++;
      if (this.refused.examples.length < SAMPLE_ZONES) this.refused.examples.push(zone);
    }
    // Verdicts are remembered for a batch's first zones only: the memory of a batch of a million zones stays small.
    if (this.zoneVerdicts.size < REMEMBERED_VERDICTS) this.zoneVerdicts.set(zone, ok);
    return ok;
  }
}

/** True when the value may be stored: known, already let in by this batch, or there is room for it. */
function allow(value: string, known: Set<string>, added: Set<string>, cap: number): boolean {
  if (value === OVERFLOW_VALUE || known.has(value) || added.has(value)) return true;
  if (known.size + added.size >= cap) return false;
  added.add(value);
  return true;
}
