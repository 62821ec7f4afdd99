import type { DuckDBInstance } from '@duckdb/node-api';
import { type CompactionPass, compact } from './compaction.js';
import { applyRetention, type Retention } from './retention.js';

/** Retention runs this often (and first at the first pass after the store opens). */
const RETENTION_EVERY_MS = 3_600_000;
/** One pass's time for compaction: past it, the next pass comes after BACKLOG_PAUSE_MS instead of the usual wait. */
const PASS_BUDGET_MS = 1_000;
const BACKLOG_PAUSE_MS = 1_000;

/**
 * The DuckDB store's background work while it is open (serve, ingest --follow): compaction
 * every `everyMs` and retention hourly, one job at a time on connections of their own, in
 * small transactions beside ingest and queries. A pass that fails (disk full...) leaves its
 * work marked for the next one.
 */
export class Maintenance {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private lastRetention = Number.NEGATIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly retention: Retention,
    /** Wait between passes; 0 runs nothing in the background (callers run `compact` and `retain` themselves). */
    private readonly everyMs: number,
  ) {
    this.schedule(everyMs);
  }

  /** Merges every marked slice now, after the job under way. */
  compactAll(): Promise<CompactionPass> {
    return this.serially(() => compact(this.instance, { all: true }));
  }

  /** Applies retention now (as if at `now`), after the job under way; resolves to the rows dropped. */
  retain(now = Date.now()): Promise<number> {
    return this.serially(() => applyRetention(this.instance, this.retention, now));
  }

  /** Stops the passes and waits for the job under way (a slice's transaction at most). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running.catch(() => undefined);
  }

  /** Jobs one after the other: compaction and retention both delete rows, which must not conflict. */
  private serially<T>(job: () => Promise<T>): Promise<T> {
    const next = this.running.catch(() => undefined).then(job);
    this.running = next;
    return next;
  }

  private schedule(ms: number): void {
    if (this.everyMs === 0 || this.stopped) return;
    this.timer = setTimeout(() => void this.pass(), ms);
    // Background work never keeps the process alive.
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    let backlog = false;
    try {
      await this.serially(async () => {
        if (Date.now() - this.lastRetention >= RETENTION_EVERY_MS) {
          this.lastRetention = Date.now();
          await applyRetention(this.instance, this.retention);
        }
        backlog = (await compact(this.instance, { budgetMs: PASS_BUDGET_MS })).left > 0;
      });
    } catch (err) {
      process.emitWarning(`edgestat: DuckDB compaction or retention failed, retried later: ${(err as Error).message}`);
    }
    this.schedule(backlog ? BACKLOG_PAUSE_MS : this.everyMs);
  }
}
