import { OVERFLOW_VALUE } from '../ingest/cardinality.js';

/** Zones with series of their own in `edgestat_requests_total`; the others share the zone label OVERFLOW_VALUE. */
export const METRIC_ZONES = 100;
/** Colos with series of their own per zone label; the others share the colo label OVERFLOW_VALUE. */
export const METRIC_COLOS_PER_ZONE = 200;
/** Series in all; past it a new label set goes under zone and colo OVERFLOW_VALUE (at most statuses × groups more). */
export const METRIC_SERIES = 10_000;

export interface RequestLabels {
  zone: string;
  colo: string;
  status: string;
  group: string;
}

/**
 * Chooses the labels of `edgestat_requests_total` so that /metrics stays small whatever the
 * logs hold: zones and colos get series of their own in the order they are first seen, up to
 * the caps above; hosts never get one.
 */
export class RequestSeries {
  private readonly colos = new Map<string, Set<string>>();
  private readonly series = new Set<string>();

  labels(zone: string, colo: string, status: string, group: string): RequestLabels {
    let zoneLabel = this.colos.has(zone) || this.colos.size < METRIC_ZONES ? zone : OVERFLOW_VALUE;
    let colos = this.colos.get(zoneLabel);
    if (!colos) {
      colos = new Set();
      this.colos.set(zoneLabel, colos);
    }
    let coloLabel = colo;
    if (!colos.has(colo)) {
      if (colos.size < METRIC_COLOS_PER_ZONE) colos.add(colo);
      else coloLabel = OVERFLOW_VALUE;
    }
    let key = `${zoneLabel}\u0000${coloLabel}\u0000${status}\u0000${group}`;
    if (!this.series.has(key) && this.series.size >= METRIC_SERIES) {
      zoneLabel = OVERFLOW_VALUE;
      coloLabel = OVERFLOW_VALUE;
      key = `${zoneLabel}\u0000${coloLabel}\u0000${status}\u0000${group}`;
    }
    this.series.add(key);
    return { zone: zoneLabel, colo: coloLabel, status, group };
  }
}
