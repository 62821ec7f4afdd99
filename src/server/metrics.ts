import { performance } from 'node:perf_hooks';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { IngestResult } from '../ingest/pipeline.js';
import { VISITOR } from '../model/request-source.js';
import type { RollupRow } from '../rollup/rollup.js';
import type { BatchWriter, GroupedBatch, Store } from '../stores/store.js';
import { RequestSeries } from './metric-labels.js';

/** edgestat's Prometheus metrics, on a registry of their own (one per server). */
export class Metrics {
  readonly registry = new Registry();
  readonly linesAccepted = new Counter({
    name: 'edgestat_lines_accepted_total',
    help: 'Log lines accepted by push ingest, by format',
    labelNames: ['format'] as const,
    registers: [this.registry],
  });
  readonly linesRejected = new Counter({
    name: 'edgestat_lines_rejected_total',
    help: 'Log lines rejected by push ingest, by format and reason',
    labelNames: ['format', 'reason'] as const,
    registers: [this.registry],
  });
  readonly batches = new Counter({
    name: 'edgestat_ingest_batches_total',
    help: 'Push ingest requests by outcome (committed, duplicate, or the error code)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly ingestSeconds = new Histogram({
    name: 'edgestat_ingest_duration_seconds',
    help: 'Push ingest latency: body received, parsed and committed',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly storeWriteSeconds = new Histogram({
    name: 'edgestat_store_write_duration_seconds',
    help: 'Store write latency per operation (append rows, commit batch)',
    labelNames: ['op'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly requests = new Counter({
    name: 'edgestat_requests_total',
    help: 'Visitor requests (request source eyeball) in committed ingested logs, by zone, data center, display status and group (first 100 zones, 200 colos each; the rest under "(Other)")',
    labelNames: ['zone', 'colo', 'status', 'group'] as const,
    registers: [this.registry],
  });
  readonly folded = new Counter({
    name: 'edgestat_values_folded_total',
    help: 'Requests of committed push ingests stored under the colo or host "(Other)" because the day of their zone had reached its cap',
    labelNames: ['dimension'] as const,
    registers: [this.registry],
  });
  private readonly requestSeries = new RequestSeries();
  private storage?: StorageGauges;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'edgestat_process_' });
    // Both series exist from the start at 0, so that a rate over them is 0, not absent, until a fold.
    for (const dimension of ['colo', 'host']) this.folded.inc({ dimension }, 0);
  }

  /** Counts a committed or duplicate batch: lines always, requests only when it was committed. */
  countBatch(result: IngestResult, requests: RequestTally): void {
    this.batches.inc({ outcome: result.outcome });
    if (result.outcome !== 'committed') return;
    this.linesAccepted.inc({ format: result.format }, result.accepted);
    for (const [reason, count] of Object.entries(result.rejectsByReason)) {
      this.linesRejected.inc({ format: result.format, reason }, count ?? 0);
    }
    for (const [dimension, count] of Object.entries(result.folded)) {
      if (count > 0) this.folded.inc({ dimension }, count);
    }
    for (const [key, count] of requests) {
      const [zone, colo, status, group] = key.split('\u0000');
      this.requests.inc(this.requestSeries.labels(zone, colo, status, group), count);
    }
  }

  /** Exposes what each rollup tier of `store` holds and its size as gauges, read at scrape time (see StorageGauges). */
  trackStorage(store: Pick<Store, 'storageReport'>): void {
    this.storage ??= new StorageGauges(this.registry, store);
  }

  /** Wraps a store so that batch appends and commits are timed. */
  instrument(store: Store): Store {
    const histogram = this.storeWriteSeconds;
    return new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'openBatch') return async () => timedBatch(await target.openBatch(), histogram);
        // A group commit (push batches) is timed as one commit: it is one store transaction.
        if (prop === 'commitGroup')
          return (batches: GroupedBatch[]) => timed(histogram, 'commit', () => target.commitGroup(batches));
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }
}

/** Visitor requests of one batch by zone, colo, status and group: counted into metrics only once it commits. */
export class RequestTally extends Map<string, number> {
  add(rows: RollupRow[]): void {
    for (const r of rows) {
      // As in the status-code views: the edge's own requests (Worker subrequests, purges...) are not traffic.
      if ((r.requestSource ?? VISITOR) !== VISITOR) continue;
      const key = `${r.zone}\u0000${r.colo}\u0000${r.status}\u0000${r.group}`;
      this.set(key, (this.get(key) ?? 0) + r.requests);
    }
  }
}

async function timed<T>(histogram: Metrics['storeWriteSeconds'], op: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    histogram.observe({ op }, (performance.now() - started) / 1000);
  }
}

function timedBatch(batch: BatchWriter, histogram: Metrics['storeWriteSeconds']): BatchWriter {
  return {
    append: (rows) => timed(histogram, 'append', () => batch.append(rows)),
    commit: (record) => timed(histogram, 'commit', () => batch.commit(record)),
    abort: () => batch.abort(),
  };
}

/** How long a storage report is reused by scrapes: it counts every row of every tier, which costs time on a large store. */
const STORAGE_REPORT_MS = 60_000;

/**
 * Rows and first row per tier (one series per tier: minute, hour, day) and bytes on disk. A
 * scrape reads a report at most once a minute; when the store cannot answer, the last values stay.
 */
class StorageGauges {
  private readAt = -Infinity;
  private reading?: Promise<void>;

  constructor(registry: Registry, store: Pick<Store, 'storageReport'>) {
    const refresh = () => {
      if (performance.now() - this.readAt < STORAGE_REPORT_MS) return this.reading;
      this.readAt = performance.now();
      this.reading = store.storageReport().then(
        (report) => {
          for (const t of report.tiers) {
            rows.set({ tier: t.tier }, t.rows);
            if (t.from !== null) first.set({ tier: t.tier }, t.from / 1000);
          }
          if (report.bytes !== null) bytes.set(report.bytes);
        },
        () => {
          this.readAt = -Infinity; // asked again at the next scrape
        },
      );
      return this.reading;
    };
    const rows = new Gauge({
      name: 'edgestat_store_rows',
      help: 'Rows each rollup tier holds (tier: minute, hour, day), read at most once a minute',
      labelNames: ['tier'] as const,
      registers: [registry],
      collect: refresh,
    });
    const first = new Gauge({
      name: 'edgestat_store_first_row_seconds',
      help: "Time of each rollup tier's first row, Unix seconds (what retention left)",
      labelNames: ['tier'] as const,
      registers: [registry],
      collect: refresh,
    });
    const bytes = new Gauge({
      name: 'edgestat_store_bytes',
      help: 'Bytes the store takes on disk',
      registers: [registry],
      collect: refresh,
    });
  }
}
