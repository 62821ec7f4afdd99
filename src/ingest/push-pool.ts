import { Worker } from 'node:worker_threads';
import { fromColumns, type RowColumns } from '../rollup/row-columns.js';
import type { PushJob, PushParsed } from './push-parse.js';

/** A parsing thread's answer to one job: the batch parsed (rows as columns), or its body given back. */
export type PushReply =
  | { id: number; counts: Omit<PushParsed, 'rows'>; columns: RowColumns }
  | { id: number; body: Uint8Array };

interface Pending {
  resolve: (answer: PushParsed | Uint8Array) => void;
  reject: (err: Error) => void;
  worker: number;
}

/**
 * Parsing threads kept for the server's life: each pushed batch is decoded, hashed, parsed,
 * classified and rolled up on one of them, so the main thread only answers HTTP and commits.
 * Started on the first batch; callers bound the jobs in flight (limits.concurrentIngests).
 */
export class PushParsers {
  private readonly workers: Array<Worker | undefined>;
  private readonly load: number[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  /** At most `size` threads, started as jobs need them. */
  constructor(size: number) {
    this.workers = new Array(size).fill(undefined);
    this.load = new Array(size).fill(0);
  }

  /**
   * Runs one job on the least busy thread: the batch parsed, or its body given back (the job's
   * body is transferred: the caller no longer owns it).
   */
  parse(job: PushJob): Promise<PushParsed | Uint8Array> {
    const index = this.load.indexOf(Math.min(...this.load));
    const worker = this.workers[index] ?? this.start(index);
    const id = this.nextId++;
    this.load[index]++;
    return new Promise<PushParsed | Uint8Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: index });
      worker.postMessage({ id, job }, [job.body.buffer as ArrayBuffer]);
    });
  }

  /** Stops the threads; jobs under way fail. A later job starts threads again. */
  async close(): Promise<void> {
    const workers = [...this.workers];
    this.workers.fill(undefined);
    this.load.fill(0);
    const closed = new Error('the push parsing threads were closed');
    for (const job of this.pending.values()) job.reject(closed);
    this.pending.clear();
    await Promise.all(workers.map((w) => w?.terminate()));
  }

  private start(index: number): Worker {
    const worker = new Worker(new URL('./push-worker.js', import.meta.url));
    // An idle pool must not keep a process alive that has nothing else to do.
    worker.unref();
    worker.on('message', (reply: PushReply) => {
      const job = this.pending.get(reply.id);
      if (!job) return;
      this.pending.delete(reply.id);
      this.load[index]--;
      job.resolve('body' in reply ? reply.body : { ...reply.counts, rows: fromColumns(reply.columns) });
    });
    const lost = (err: Error) => {
      if (this.workers[index] !== worker) return;
      // The thread is gone (out of memory, terminated): its jobs fail, the next job starts a new one.
      this.workers[index] = undefined;
      this.load[index] = 0;
      for (const [id, job] of this.pending) {
        if (job.worker !== index) continue;
        this.pending.delete(id);
        job.reject(err);
      }
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`a push parsing thread exited (code ${code})`)));
    this.workers[index] = worker;
    return worker;
  }
}
