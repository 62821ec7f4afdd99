import type { Limits } from '../config/config.js';
import { ApiError } from './errors.js';

/** One request's share of the budget: the bytes it holds, returned by `release`. */
export interface BodyHold {
  /** Holds at least `total` bytes (a no-op below what it holds); throws 503 `busy` when the budget cannot. */
  reserve(total: number): void;
  release(): void;
}

/**
 * Bounds the push bodies held in memory at once, by count and by bytes, so that receiving
 * bodies whole before ingesting them keeps the server's memory bounded whatever clients send.
 * A slow client holds only the bytes it has sent, so slow clients cannot use up the bytes.
 */
export class BodyBudget {
  private bodies = 0;
  private bytes = 0;

  private readonly maxBodies: number;
  private readonly maxBytes: number;
  private readonly retryAfterSeconds: number;

  constructor(limits: Pick<Limits, 'concurrentBodies' | 'bufferedBytes' | 'retryAfterSeconds'>) {
    this.maxBodies = limits.concurrentBodies;
    this.maxBytes = limits.bufferedBytes;
    this.retryAfterSeconds = limits.retryAfterSeconds;
  }

  get held(): { bodies: number; bytes: number } {
    return { bodies: this.bodies, bytes: this.bytes };
  }

  /** Admits one more body, reserving its announced size; throws 503 `busy` when it does not fit. */
  admit(announcedBytes = 0): BodyHold {
    if (this.bodies >= this.maxBodies) {
      throw this.busy(`${this.bodies} push bodies are being received or ingested (limits.concurrentBodies)`);
    }
    this.bodies++;
    let mine = 0;
    let released = false;
    const hold: BodyHold = {
      reserve: (total) => {
        const more = total - mine;
        if (more <= 0) return;
        if (this.bytes + more > this.maxBytes) {
          throw this.busy(`push bodies in memory would pass ${this.maxBytes} bytes (limits.bufferedBytes)`);
        }
        this.bytes += more;
        mine += more;
      },
      release: () => {
        if (released) return;
        released = true;
        this.bodies--;
        this.bytes -= mine;
      },
    };
    try {
      hold.reserve(announcedBytes);
    } catch (err) {
      hold.release();
      throw err;
    }
    return hold;
  }

  private busy(what: string): ApiError {
    return busy(what, this.retryAfterSeconds);
  }
}

/** 503 `busy` with its Retry-After: the client sends the same batch again later. */
export function busy(what: string, retryAfterSeconds: number): ApiError {
  return new ApiError('busy', `${what}; retry later`, { headers: { 'retry-after': String(retryAfterSeconds) } });
}
