import { setTimeout as sleep } from 'node:timers/promises';
import type { AlertWebhook } from '../model/alerts.js';
import { type AlertEvent, BODIES } from './bodies.js';
import { SIGNATURE_HEADERS, sign } from './signature.js';

export interface NotifierOptions {
  /** Deliveries waiting or under way at most; past it new ones are dropped (and counted). */
  queueCap?: number;
  /** Attempts per delivery, the first included. */
  maxAttempts?: number;
  /** Wait before the second attempt; doubled for each next one, at most `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** One attempt's time limit. */
  timeoutMs?: number;
  /** Deliveries sent at once. */
  concurrency?: number;
  /** Unix time in ms, for the signature's timestamp. */
  now?: () => number;
  log?: { warn(obj: object, msg: string): void };
}

export const NOTIFIER_DEFAULTS = {
  queueCap: 1000,
  maxAttempts: 8,
  backoffMs: 1000,
  maxBackoffMs: 60_000,
  timeoutMs: 10_000,
  concurrency: 4,
} as const;

/** One body for one webhook. */
interface Delivery {
  id: string;
  ruleId: string;
  webhook: AlertWebhook;
  body: string;
}

export interface NotifierCounts {
  delivered: number;
  /** Gave up: out of attempts, or the receiver refused it (a 4xx other than 408 and 429). */
  failed: number;
  dropped: number;
  /** Attempts that failed and were retried. */
  retries: number;
}

/** Statuses after which the same request may succeed later. */
const RETRIED = (status: number) => status >= 500 || status === 408 || status === 429;

/**
 * Sends each state change to the rule's webhooks: signed (`signature.ts`), retried with
 * exponential backoff on network errors, timeouts, 5xx, 408 and 429, in a bounded queue. Every
 * attempt carries the event's id, so a receiver that got it already (its answer was lost) drops it.
 * The queue lives in memory: what is waiting when the process stops is not sent.
 */
export class Notifier {
  private readonly options: Required<Omit<NotifierOptions, 'log'>> & Pick<NotifierOptions, 'log'>;
  private readonly waiting: Delivery[] = [];
  private running = 0;
  private idle: (() => void)[] = [];
  private stopped = false;
  /** Ends the waits between attempts when the notifier stops. */
  private readonly stopping = new AbortController();
  readonly counts: NotifierCounts = { delivered: 0, failed: 0, dropped: 0, retries: 0 };

  constructor(options: NotifierOptions = {}) {
    this.options = { ...NOTIFIER_DEFAULTS, now: Date.now, ...options };
  }

  /** Queues the event for each of the rule's webhooks (none past the cap). */
  notify(event: AlertEvent): void {
    for (const webhook of event.rule.webhooks) {
      if (this.stopped || this.waiting.length + this.running >= this.options.queueCap) {
        this.counts.dropped++;
        this.options.log?.warn({ rule: event.rule.id, id: event.id }, 'alert notification dropped: the queue is full');
        continue;
      }
      this.waiting.push({ id: event.id, ruleId: event.rule.id, webhook, body: BODIES[webhook.kind](event) });
    }
    this.pump();
  }

  /** Resolves once nothing is waiting or being sent. */
  drained(): Promise<void> {
    if (this.waiting.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Takes nothing more and drops what waits; deliveries under way end after their current attempt, without retries. */
  stop(): void {
    this.stopped = true;
    this.stopping.abort();
    this.counts.dropped += this.waiting.length;
    this.waiting.length = 0;
  }

  private pump(): void {
    while (this.running < this.options.concurrency && this.waiting.length > 0) {
      const delivery = this.waiting.shift() as Delivery;
      this.running++;
      void this.deliver(delivery).finally(() => {
        this.running--;
        this.pump();
        if (this.waiting.length === 0 && this.running === 0) for (const resolve of this.idle.splice(0)) resolve();
      });
    }
  }

  private async deliver(d: Delivery): Promise<void> {
    const { maxAttempts, backoffMs, maxBackoffMs } = this.options;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(d);
      if (outcome === 'ok') {
        this.counts.delivered++;
        return;
      }
      if (outcome === 'refused' || attempt >= maxAttempts || this.stopped) {
        this.counts.failed++;
        // The URL may hold a secret (Slack's do): only its host is logged.
        this.options.log?.warn(
          { rule: d.ruleId, id: d.id, host: new URL(d.webhook.url).host, attempts: attempt, outcome },
          'alert notification not delivered',
        );
        return;
      }
      this.counts.retries++;
      await sleep(Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1)), undefined, {
        signal: this.stopping.signal,
      }).catch(() => {});
    }
  }

  /** One POST: 'ok' (2xx), 'retry' (worth trying again), or 'refused'. */
  private async attempt(d: Delivery): Promise<'ok' | 'retry' | 'refused'> {
    const timestamp = Math.floor(this.options.now() / 1000);
    try {
      const response = await fetch(d.webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'edgestat-alerts',
          [SIGNATURE_HEADERS.id]: d.id,
          [SIGNATURE_HEADERS.timestamp]: String(timestamp),
          [SIGNATURE_HEADERS.signature]: sign(d.webhook.secret, timestamp, d.body),
        },
        body: d.body,
        // A redirect could point anywhere: it is an answer, not a place to send the alert to.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) return 'ok';
      return RETRIED(response.status) ? 'retry' : 'refused';
    } catch {
      return 'retry';
    }
  }
}
