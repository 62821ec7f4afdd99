import type { Group } from '../classify/rules.js';

/** Error-rate alerts: rules, their webhooks and their firing periods. */

export const STATUS_CLASSES = ['4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

export const WEBHOOK_KINDS = ['json', 'slack'] as const;
export type WebhookKind = (typeof WEBHOOK_KINDS)[number];

/** Where a rule's notifications go: a URL, the body it takes, and the secret its signature is made with. */
export interface AlertWebhook {
  url: string;
  kind: WebhookKind;
  secret: string;
}

/** What a rule counts as errors: one error group, one status class, or some display statuses. */
export type AlertErrors = { group: Group } | { statusClass: StatusClass } | { statuses: number[] };

export interface AlertRule {
  id: string;
  zone: string;
  name: string;
  errors: AlertErrors;
  /** Only this data center; all when absent. */
  colo?: string;
  /** Only this host; all when absent. */
  host?: string;
  /** Share of requests that should not be errors, e.g. 0.98: the error budget is 1 - target. */
  target: number;
  /** Fires when both windows consume the budget faster than this many times the sustainable rate. */
  burnRate: number;
  /** Fewer requests than this in the short window never fire (one failed request of two is no outage). */
  minRequests: number;
  webhooks: AlertWebhook[];
  createdAt: number;
}

export type AlertState = 'firing' | 'resolved';

/** One firing period of a rule: from the minute it fired to the minute it resolved (null while firing). */
export interface AlertPeriod {
  ruleId: string;
  zone: string;
  start: number;
  end: number | null;
  /** Burn rates of the short and long windows when it fired. */
  shortBurn: number;
  longBurn: number;
}

/** Caps on what alerts keep, whatever users and logs do. */
export const ALERT_CAPS = {
  rulesPerZone: 50,
  webhooksPerRule: 5,
  /** Firing periods kept per rule (the oldest go first). */
  periodsPerRule: 500,
  statusesPerRule: 100,
  nameLength: 200,
  urlLength: 2048,
  secretLength: 256,
  /** Firing periods in one answer (API, CLI). */
  periodsListed: 1000,
  /** Rules evaluated per tick across all zones (the oldest first): every tick reads each once. */
  rulesEvaluated: 2000,
} as const;

/** Burn-rate defaults: a 1 h burn of 14.4 spends 2 % of a 30-day budget in one hour. */
export const ALERT_DEFAULTS = { target: 0.99, burnRate: 14.4, minRequests: 20 } as const;

/** The display statuses a rule's errors name, when they are statuses or a class (a group is a filter of its own). */
export function ruleStatuses(errors: AlertErrors): number[] | undefined {
  if ('statuses' in errors) return errors.statuses;
  if ('statusClass' in errors) {
    const base = errors.statusClass === '4xx' ? 400 : 500;
    return Array.from({ length: 100 }, (_, i) => base + i);
  }
  return undefined;
}

/** A rule's errors in words: `group 52x`, `5xx`, `500, 502`. */
export function describeErrors(errors: AlertErrors): string {
  if ('group' in errors) return `group ${errors.group}`;
  if ('statusClass' in errors) return errors.statusClass;
  return errors.statuses.join(', ');
}

/** What a rule says, without its webhooks (their URLs and secrets are never shown): for answers and notifications. */
export function ruleFacts(rule: AlertRule) {
  return {
    id: rule.id,
    zone: rule.zone,
    name: rule.name,
    errors: rule.errors,
    colo: rule.colo ?? null,
    host: rule.host ?? null,
    target: rule.target,
    burnRate: rule.burnRate,
    minRequests: rule.minRequests,
  };
}
