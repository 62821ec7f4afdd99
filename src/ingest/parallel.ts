import { Worker } from 'node:worker_threads';
import type { ParserOptions } from '../parsers/registry.js';
import type { RollupRow } from '../rollup/rollup.js';
import { fromColumns, type RowColumns } from '../rollup/row-columns.js';
import type { RangeBytes } from '../sources/file-range.js';
import type { Tally } from './tally.js';

export interface WorkerInit {
  format: string;
  options: ParserOptions;
  maxLineBytes: number;
  flushKeys: number;
  /** A plain file the workers read ranges of themselves, and its size when the ingest began. */
  file?: { path: string; size: number };
}

export type WorkerRequest =
  | { type: 'init'; init: WorkerInit }
  | { type: 'block'; seq: number; bytes: Uint8Array }
  /** Bytes `[start, end)` of the file, read into `buffer` when it is large enough. */
  | { type: 'range'; seq: number; start: number; end: number; buffer?: ArrayBuffer }
  | { type: 'finish' };

export interface BlockReport {
  type: 'block';
  seq: number;
  lines: number;
  tally: Tally;
  /** Rows as they reach the pool's owner. */
  rows?: RollupRow[];
  /** Rows as a worker sends them. */
  columns?: RowColumns;
  /** A range's raw bytes, handed back to be hashed in order (and the buffer reused). */
  raw?: RangeBytes;
}

export type WorkerReply = BlockReport | { type: 'done'; columns: RowColumns };

/**
 * Blocks queued per worker: enough to keep it busy while this thread appends a flush of rows to
 * the store (it then reads no replies), few enough to bound memory (8 MiB of blocks a worker).
 */
const MAX_IN_FLIGHT = 8;
const WORKER_URL = new URL('./parse-worker.js', import.meta.url);

/** Threads started ahead of an ingest, not given a format yet. */
const warm: Worker[] = [];

/**
 * Starts up to `count` parsing threads ahead of an ingest, so that they load their modules while
 * this thread does something else (opens the store); the next pool takes them. Idle, they never
 * keep the process alive.
 */
export function warmParseWorkers(count: number): void {
  while (warm.length < count) {
    const worker = new Worker(WORKER_URL);
    worker.unref();
    // One that fails while it waits is dropped; a pool learns of any other exit (below).
    worker.on('error', () => {});
    worker.once('exit', () => warm.includes(worker) && warm.splice(warm.indexOf(worker), 1));
    warm.push(worker);
  }
}

/** A pool of parsing threads; each keeps its own rollup and reports per block. */
export class ParseWorkers {
  private readonly workers: Worker[];
  private readonly inFlight: number[];
  private wake: (() => void) | null = null;
  private failure: Error | null = null;
  private closing = false;
  private doneRows: Array<(rows: RollupRow[]) => void> = [];

  constructor(
    count: number,
    init: WorkerInit,
    private readonly onReport: (report: BlockReport) => void,
  ) {
    this.inFlight = new Array(count).fill(0);
    this.workers = Array.from({ length: count }, (_, i) => {
      const worker = warm.pop() ?? new Worker(WORKER_URL);
      worker.ref();
      worker.postMessage({ type: 'init', init } satisfies WorkerRequest);
      worker.on('message', (reply: WorkerReply) => this.receive(i, reply));
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => this.closing || this.fail(new Error(`a parsing thread exited (code ${code})`)));
      return worker;
    });
  }

  /** Queues a block of whole lines on the least busy worker, waiting while all are full. */
  async submit(seq: number, bytes: Buffer): Promise<void> {
    const worker = await this.idleWorker();
    // A copy we own can be transferred instead of cloned.
    const copy = new Uint8Array(bytes);
    worker.postMessage({ type: 'block', seq, bytes: copy } satisfies WorkerRequest, [copy.buffer]);
  }

  /** Queues a range of the file (see `WorkerInit.file`), with a buffer to read it into if one is free. */
  async submitRange(seq: number, start: number, end: number, buffer?: ArrayBuffer): Promise<void> {
    const worker = await this.idleWorker();
    worker.postMessage({ type: 'range', seq, start, end, buffer } satisfies WorkerRequest, buffer ? [buffer] : []);
  }

  /** The least busy worker, once it has room: waits while all are full. */
  private async idleWorker(): Promise<Worker> {
    for (;;) {
      if (this.failure) throw this.failure;
      const index = this.inFlight.indexOf(Math.min(...this.inFlight));
      if (this.inFlight[index] < MAX_IN_FLIGHT) {
        this.inFlight[index]++;
        return this.workers[index];
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** Waits for every block, then collects each worker's remaining rollup rows. */
  async finish(): Promise<RollupRow[]> {
    const all = await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<RollupRow[]>((resolve, reject) => {
            if (this.failure) reject(this.failure);
            this.doneRows.push(resolve);
            worker.once('error', reject);
            worker.once('exit', (code) => reject(new Error(`a parsing thread exited (code ${code})`)));
            worker.postMessage({ type: 'finish' });
          }),
      ),
    );
    return all.flat();
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private receive(index: number, reply: WorkerReply): void {
    if (reply.type === 'done') {
      this.doneRows.shift()?.(fromColumns(reply.columns));
      return;
    }
    if (reply.columns) reply.rows = fromColumns(reply.columns);
    this.inFlight[index]--;
    this.onReport(reply);
    this.wake?.();
    this.wake = null;
  }

  private fail(err: Error): void {
    this.failure = err;
    this.wake?.();
    this.wake = null;
  }
}
