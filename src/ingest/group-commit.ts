import type { RollupRow } from '../rollup/rollup.js';
import type {
  BatchWriter,
  CommitOutcome,
  CommitRecord,
  GroupedBatch,
  GroupOutcome,
  RollupStore,
} from '../stores/store.js';
import { StoreUnavailableError } from '../stores/store.js';

export interface GroupCommitLimits {
  /** Batches decoded and parsed at once; more wait for a slot (their bodies are held already). */
  concurrentIngests: number;
  /** Rollup rows written by one group commit at most (a batch with more still goes, alone). */
  groupRows: number;
}

interface Waiting {
  batch: GroupedBatch;
  resolve: (outcome: CommitOutcome) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: batches parsed concurrently wait here for the ONE store writer, which commits
 * all that are waiting in one store transaction and answers each only after that commit. Many
 * small pushes then share one fsync instead of queueing for one transaction each. There is no
 * delay: a batch that finds the writer idle goes at once, and while a group commits the next
 * one gathers.
 */
export class GroupCommitter {
  private readonly queue: Waiting[] = [];
  private writing = false;
  /** Batches opened and not yet committed or aborted: the ones being decoded and parsed. */
  private open = 0;
  /** Batches waiting for a parsing slot, first come first served. */
  private readonly slotWaiters: Array<() => void> = [];

  constructor(
    private readonly store: Pick<RollupStore, 'commitGroup'>,
    private readonly limits: GroupCommitLimits,
  ) {}

  /** Batches being parsed (opened, not yet handed to the writer). */
  get parsing(): number {
    return this.open;
  }

  /**
   * Batches waiting: for a parsing slot, or for the store writer (not counting the group being
   * written). Callers refuse new batches past their bound (the push route: limits.commitQueue);
   * then at most that many plus concurrentIngests ever wait.
   */
  get queued(): number {
    return this.slotWaiters.length + this.queue.length;
  }

  /**
   * A batch that holds its rows in memory and joins a group at `commit`; it takes one of
   * limits.concurrentIngests parsing slots (waiting for one) until it commits or aborts.
   */
  async openBatch(): Promise<BatchWriter> {
    if (this.open >= this.limits.concurrentIngests) await new Promise<void>((go) => this.slotWaiters.push(go));
    else this.open++;
    return new GroupedBatchWriter(this, () => this.releaseSlot());
  }

  /** Hands a finished batch's parsing slot to the next waiting batch, or frees it. */
  private releaseSlot(): void {
    const next = this.slotWaiters.shift();
    if (next) next();
    else this.open--;
  }

  /** Queues one whole batch for the next group; resolves once the group holding it has committed. */
  commit(batch: GroupedBatch): Promise<CommitOutcome> {
    return new Promise<CommitOutcome>((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      void this.write();
    });
  }

  /** The writer loop: one group at a time, as long as batches wait. */
  private async write(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const group = this.take();
        let outcomes: GroupOutcome[];
        try {
          outcomes = await this.store.commitGroup(group.map((w) => w.batch));
        } catch (err) {
          // The group's transaction failed: none of its batches is acknowledged, each client retries.
          const failed =
            err instanceof StoreUnavailableError
              ? err
              : new StoreUnavailableError(
                  `the group commit of ${group.length} batches failed: ${(err as Error).message}`,
                  {
                    cause: err,
                  },
                );
          for (const w of group) w.reject(failed);
          continue;
        }
        group.forEach((w, i) => {
          const outcome = outcomes[i];
          if (outcome instanceof Error) w.reject(outcome);
          else w.resolve(outcome);
        });
      }
    } finally {
      this.writing = false;
    }
  }

  /** The next group: waiting batches in arrival order, within limits.groupRows (at least one batch). */
  private take(): Waiting[] {
    let rows = 0;
    let count = 0;
    while (count < this.queue.length) {
      const next = this.queue[count].batch.rows.length;
      if (count > 0 && rows + next > this.limits.groupRows) break;
      rows += next;
      count++;
    }
    return this.queue.splice(0, count);
  }
}

/** Rows of one batch held until its commit joins a group (push batches are small and bounded by limits.bodyBytes). */
class GroupedBatchWriter implements BatchWriter {
  private rows: RollupRow[] = [];
  private done = false;

  constructor(
    private readonly committer: GroupCommitter,
    private readonly close: () => void,
  ) {}

  async append(rows: RollupRow[]): Promise<void> {
    for (const row of rows) this.rows.push(row);
  }

  async commit(record: CommitRecord): Promise<CommitOutcome> {
    this.finish();
    return this.committer.commit({ rows: this.rows, record });
  }

  async abort(): Promise<void> {
    this.finish();
    this.rows = [];
  }

  /** Parsing is over: the batch leaves its parsing slot once, whether it commits or not. */
  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.close();
  }
}
