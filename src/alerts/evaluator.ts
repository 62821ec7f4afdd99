import { ALERT_CAPS, type AlertPeriod, type AlertRule, type AlertState } from '../model/alerts.js';
import { MINUTE_MS } from '../rollup/rollup.js';
import { type AlertStore, type RollupReader, StoreUnavailableError } from '../stores/store.js';
import { type AlertEvent, eventId } from './bodies.js';
import { burnOf, LONG_WINDOW_MS, nextState, SHORT_WINDOW_MS } from './burn.js';
import { RuleMinutes } from './minutes.js';
import type { Notifier } from './notifier.js';

export interface EvaluatorOptions {
  store: RollupReader & { alerts: AlertStore };
  notifier: Notifier;
  /** The clock (tests move it by hand). */
  now?: () => number;
  /** Between ticks; the lease lasts three of them, so a live evaluator renews it in time. */
  intervalMs?: number;
  log?: { warn(obj: object, msg: string): void };
}

/** What one tick did. */
export interface TickReport {
  /** False when another process holds the lease (this one evaluated nothing). */
  evaluator: boolean;
  evaluated: number;
  /** Minutes read, summed over the rules: an hour per rule the first time, the short window after. */
  minutesRead: number;
  changes: AlertEvent[];
}

export const EVALUATE_EVERY_MS = 60_000;

/**
 * Evaluates every rule once a tick, on the minutes complete at that moment: each rule's short
 * and long windows (`RuleMinutes`, read incrementally), its burn rates and next state. A change is
 * saved first, then notified, so a process that takes over finds the state and does not notify
 * it again. Of several processes on one store, the one holding the lease evaluates.
 */
export class AlertEvaluator {
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly minutes = new Map<string, RuleMinutes>();
  private readonly lease;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: EvaluatorOptions) {
    this.now = options.now ?? Date.now;
    this.intervalMs = options.intervalMs ?? EVALUATE_EVERY_MS;
    this.lease = options.store.alerts.evaluatorLease(3 * this.intervalMs);
  }

  /** Evaluates once a interval from now on (a tick still running is not overlapped). */
  start(): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() =>
        this.tick().catch((err: Error) => this.options.log?.warn({ err: err.message }, 'alert evaluation failed')),
      );
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops ticking, waits for a tick under way, and gives the lease up. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.lease.release();
  }

  async tick(): Promise<TickReport> {
    const report: TickReport = { evaluator: false, evaluated: 0, minutesRead: 0, changes: [] };
    if (!(await this.lease.hold())) {
      // Another process evaluates; minutes kept from before are stale by the time this one takes over.
      this.minutes.clear();
      return report;
    }
    report.evaluator = true;
    const { alerts } = this.options.store;
    const end = Math.floor(this.now() / MINUTE_MS) * MINUTE_MS;
    const all = await alerts.alertRules();
    if (all.length > ALERT_CAPS.rulesEvaluated) {
      this.options.log?.warn({ rules: all.length, cap: ALERT_CAPS.rulesEvaluated }, 'alert rules past the cap');
    }
    const rules = all.slice(0, ALERT_CAPS.rulesEvaluated);
    const open = new Map((await alerts.openAlertPeriods()).map((p) => [p.ruleId, p]));
    const ids = new Set(rules.map((r) => r.id));
    for (const id of this.minutes.keys()) if (!ids.has(id)) this.minutes.delete(id);
    for (const rule of rules) {
      let change: AlertEvent | undefined;
      try {
        change = await this.evaluate(rule, open.get(rule.id), end, report);
      } catch (err) {
        // The store is away: no rule can be evaluated now. Anything else concerns this rule alone.
        if (err instanceof StoreUnavailableError) throw err;
        this.options.log?.warn({ rule: rule.id, err: (err as Error).message }, 'alert rule not evaluated');
        continue;
      }
      report.evaluated++;
      if (change) {
        report.changes.push(change);
        this.options.notifier.notify(change);
      }
    }
    return report;
  }

  private async evaluate(
    rule: AlertRule,
    open: AlertPeriod | undefined,
    end: number,
    report: TickReport,
  ): Promise<AlertEvent | undefined> {
    let minutes = this.minutes.get(rule.id);
    if (!minutes) {
      minutes = new RuleMinutes(rule);
      this.minutes.set(rule.id, minutes);
    }
    const read = await minutes.refresh(this.options.store, end);
    report.minutesRead += (read.to - read.from) / MINUTE_MS;
    const short = burnOf(minutes.window(end, SHORT_WINDOW_MS), rule.target);
    const long = burnOf(minutes.window(end, LONG_WINDOW_MS), rule.target);
    const current: AlertState = open ? 'firing' : 'resolved';
    const next = nextState(current, rule, short, long);
    if (next === current) return undefined;
    const period: AlertPeriod = open
      ? { ...open, end }
      : { ruleId: rule.id, zone: rule.zone, start: end, end: null, shortBurn: short.burnRate, longBurn: long.burnRate };
    await this.options.store.alerts.saveAlertPeriod(period, ALERT_CAPS.periodsPerRule);
    return { id: eventId(rule.id, period.start, next), state: next, rule, period, short, long };
  }
}
