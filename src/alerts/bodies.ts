import {
  type AlertPeriod,
  type AlertRule,
  type AlertState,
  describeErrors,
  ruleFacts,
  type WebhookKind,
} from '../model/alerts.js';
import type { WindowBurn } from './burn.js';

/** What happened to a rule, as every webhook of the rule is told. */
export interface AlertEvent {
  /** Same for every attempt and every webhook of one state change: receivers drop repeats by it. */
  id: string;
  state: AlertState;
  rule: AlertRule;
  period: AlertPeriod;
  short: WindowBurn;
  long: WindowBurn;
}

/** The id of a state change: the rule, the start of its period and the new state (only [A-Za-z0-9_-]). */
export function eventId(ruleId: string, periodStart: number, state: AlertState): string {
  return `${ruleId}-${periodStart}-${state}`;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const round = (n: number) => Math.round(n * 1e4) / 1e4;
const windowJson = (w: WindowBurn) => ({
  requests: w.requests,
  errors: w.errors,
  errorRate: round(w.errorRate),
  burnRate: round(w.burnRate),
});

/** The generic body: every field a receiver needs, as JSON (which encodes every string). */
export function jsonBody(e: AlertEvent): string {
  const { rule } = e;
  return JSON.stringify({
    id: e.id,
    type: `alert.${e.state}`,
    state: e.state,
    zone: rule.zone,
    rule: ruleFacts(rule),
    period: { start: iso(e.period.start), end: iso(e.period.end) },
    windows: { '5m': windowJson(e.short), '1h': windowJson(e.long) },
  });
}

/** Slack's mrkdwn gives &, < and > meaning (links, mentions): text from users and logs has them escaped. */
export function slackEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

const percent = (rate: number) => `${round(rate * 100)} %`;

/** A Slack-compatible body (incoming webhooks take `text`), every user and log string escaped. */
export function slackBody(e: AlertEvent): string {
  const { rule } = e;
  const scope = [rule.colo && `data center ${rule.colo}`, rule.host && `host ${rule.host}`].filter(Boolean).join(', ');
  const head =
    e.state === 'firing'
      ? `:rotating_light: FIRING: ${rule.name}`
      : `:white_check_mark: RESOLVED: ${rule.name} (fired ${iso(e.period.start)})`;
  const lines = [
    head,
    `zone ${rule.zone}${scope ? ` (${scope})` : ''}: ${describeErrors(rule.errors)}, target ${percent(rule.target)}`,
    `5m: ${percent(e.short.errorRate)} errors of ${e.short.requests} requests, burn ${round(e.short.burnRate)}x; ` +
      `1h: ${percent(e.long.errorRate)} of ${e.long.requests}, burn ${round(e.long.burnRate)}x (threshold ${rule.burnRate}x)`,
  ];
  return JSON.stringify({ text: slackEscape(lines.join('\n')) });
}

export const BODIES: Record<WebhookKind, (e: AlertEvent) => string> = { json: jsonBody, slack: slackBody };
