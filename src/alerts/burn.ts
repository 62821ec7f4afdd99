import type { AlertRule, AlertState } from '../model/alerts.js';

/** The two windows of error-budget burn: a short one that reacts and resolves, a long one that confirms. */
export const SHORT_WINDOW_MS = 5 * 60_000;
export const LONG_WINDOW_MS = 60 * 60_000;

/** Requests and the rule's errors among them in one window. */
export interface WindowCounts {
  requests: number;
  errors: number;
}

/** One window as reported: its counts, error rate and burn rate. */
export interface WindowBurn extends WindowCounts {
  errorRate: number;
  burnRate: number;
}

/**
 * How many times faster than sustainable a window spends the error budget: its error rate over
 * the budget (1 - target). A burn of 1 spends exactly the budget; no requests burn nothing.
 */
export function burnOf(counts: WindowCounts, target: number): WindowBurn {
  const errorRate = counts.requests === 0 ? 0 : counts.errors / counts.requests;
  return { ...counts, errorRate, burnRate: errorRate / (1 - target) };
}

/**
 * The state a rule goes to: it fires when both windows burn faster than its threshold (and the
 * short window saw at least `minRequests`); it resolves as soon as the short window no longer does,
 * so an outage that ended clears within minutes although the hour still remembers it.
 */
export function nextState(
  current: AlertState,
  rule: Pick<AlertRule, 'burnRate' | 'minRequests'>,
  short: WindowBurn,
  long: WindowBurn,
): AlertState {
  if (current === 'firing') return short.burnRate > rule.burnRate ? 'firing' : 'resolved';
  const fires = short.requests >= rule.minRequests && short.burnRate > rule.burnRate && long.burnRate > rule.burnRate;
  return fires ? 'firing' : 'resolved';
}
