import { randomBytes } from 'node:crypto';
import type { Group } from '../classify/rules.js';
import {
  ALERT_CAPS,
  ALERT_DEFAULTS,
  type AlertErrors,
  type AlertPeriod,
  type AlertRule,
  type AlertState,
  ruleFacts,
  STATUS_CLASSES,
  type StatusClass,
  WEBHOOK_KINDS,
  type WebhookKind,
} from '../model/alerts.js';
import { quoted } from '../model/quoted.js';
import { QueryParamError } from '../query/params.js';
import type { AlertStore } from '../stores/store.js';

/** The groups a rule may count as errors: the error groups (not success, not the excluded edge 502/503/504). */
export const ERROR_GROUPS: readonly Group[] = ['edge', 'origin', '503', '52x'];

/** A rule as the API and the CLI take it, before it is checked. */
export interface AlertRuleInput {
  name: string;
  errors: { group?: string; statusClass?: string; statuses?: number[] };
  colo?: string;
  host?: string;
  target: number;
  burnRate?: number;
  minRequests?: number;
  webhooks?: { url: string; kind: string; secret?: string }[];
}

/** The zone has as many rules as it may. */
export class AlertRulesFullError extends Error {}

const MAX_DIMENSION = 255;

/** Checks a rule and completes it (id, defaults, generated webhook secrets); throws QueryParamError naming the field. */
export function newAlertRule(zone: string, input: AlertRuleInput, now: number): AlertRule {
  const fail = (param: string, message: string): never => {
    throw new QueryParamError(param, message);
  };
  const name = input.name.trim();
  if (name.length === 0 || name.length > ALERT_CAPS.nameLength)
    fail('name', `must be 1 to ${ALERT_CAPS.nameLength} characters`);
  const errors = checkErrors(input.errors, fail);
  for (const key of ['colo', 'host'] as const) {
    const value = input[key];
    if (value !== undefined && (value.length === 0 || value.length > MAX_DIMENSION))
      fail(key, `must be 1 to ${MAX_DIMENSION} characters`);
  }
  const { target } = input;
  if (!(target > 0 && target < 1)) fail('target', `must be above 0 and below 1 (0.98 for 98 %), got ${target}`);
  const burnRate = input.burnRate ?? ALERT_DEFAULTS.burnRate;
  // At a burn of 1/(1 - target) every request is an error: a threshold there can never be passed.
  const most = 1 / (1 - target);
  if (!(burnRate > 0 && burnRate < most))
    fail(
      'burnRate',
      `must be above 0 and below ${Math.round(most * 100) / 100} (all requests failing at target ${target}), got ${burnRate}`,
    );
  const minRequests = input.minRequests ?? ALERT_DEFAULTS.minRequests;
  if (!Number.isSafeInteger(minRequests) || minRequests < 1) fail('minRequests', `must be a whole number ≥ 1`);
  const webhooks = input.webhooks ?? [];
  if (webhooks.length > ALERT_CAPS.webhooksPerRule) fail('webhooks', `at most ${ALERT_CAPS.webhooksPerRule} per rule`);
  return {
    id: `al_${randomBytes(6).toString('hex')}`,
    zone,
    name,
    errors,
    ...(input.colo === undefined ? {} : { colo: input.colo }),
    ...(input.host === undefined ? {} : { host: input.host }),
    target,
    burnRate,
    minRequests,
    webhooks: webhooks.map((w, i) => {
      const param = `webhooks.${i}`;
      if (!(WEBHOOK_KINDS as readonly string[]).includes(w.kind))
        fail(`${param}.kind`, `must be one of ${WEBHOOK_KINDS.join(', ')}`);
      if (w.url.length > ALERT_CAPS.urlLength || !/^https?:$/.test(urlProtocol(w.url)))
        fail(`${param}.url`, `must be an http or https URL of at most ${ALERT_CAPS.urlLength} characters`);
      const secret = w.secret ?? randomBytes(24).toString('base64url');
      if (secret.length === 0 || secret.length > ALERT_CAPS.secretLength)
        fail(`${param}.secret`, `must be 1 to ${ALERT_CAPS.secretLength} characters`);
      return { url: w.url, kind: w.kind as WebhookKind, secret };
    }),
    createdAt: now,
  };
}

function urlProtocol(url: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    return '';
  }
}

function checkErrors(errors: AlertRuleInput['errors'], fail: (param: string, message: string) => never): AlertErrors {
  const given = (['group', 'statusClass', 'statuses'] as const).filter((k) => errors[k] !== undefined);
  if (given.length !== 1) fail('errors', 'give exactly one of group, statusClass or statuses');
  if (errors.group !== undefined) {
    if (!(ERROR_GROUPS as readonly string[]).includes(errors.group))
      fail('errors.group', `must be one of ${ERROR_GROUPS.join(', ')}; got ${quoted(errors.group)}`);
    return { group: errors.group as Group };
  }
  if (errors.statusClass !== undefined) {
    if (!(STATUS_CLASSES as readonly string[]).includes(errors.statusClass))
      fail('errors.statusClass', `must be one of ${STATUS_CLASSES.join(', ')}; got ${quoted(errors.statusClass)}`);
    return { statusClass: errors.statusClass as StatusClass };
  }
  const statuses = [...new Set(errors.statuses)].sort((a, b) => a - b);
  if (statuses.length === 0 || statuses.length > ALERT_CAPS.statusesPerRule)
    fail('errors.statuses', `give 1 to ${ALERT_CAPS.statusesPerRule} status codes`);
  for (const s of statuses) {
    if (!Number.isInteger(s) || s < 100 || s > 599) fail('errors.statuses', `must be codes from 100 to 599, got ${s}`);
  }
  return { statuses };
}

/** Checks and stores a new rule of `zone`, unless the zone has its cap of rules already. */
export async function createAlertRule(
  alerts: AlertStore,
  zone: string,
  input: AlertRuleInput,
  now: number,
): Promise<AlertRule> {
  const rule = newAlertRule(zone, input, now);
  // Counted before the write: two creations at the same moment can pass the cap by one each.
  const existing = await alerts.alertRules(zone);
  if (existing.length >= ALERT_CAPS.rulesPerZone) {
    throw new AlertRulesFullError(
      `zone ${zone} has ${existing.length} alert rules, the most it may have: delete one first`,
    );
  }
  await alerts.createAlertRule(rule);
  return rule;
}

/** A rule as listed: its webhooks by kind and host only (a webhook URL can hold a secret), and its state. */
export function listedRule(rule: AlertRule, open: AlertPeriod | undefined) {
  const state: AlertState = open ? 'firing' : 'resolved';
  return {
    ...ruleFacts(rule),
    webhooks: rule.webhooks.map((w) => ({ kind: w.kind, host: new URL(w.url).host })),
    createdAt: new Date(rule.createdAt).toISOString(),
    state,
    firingSince: open ? new Date(open.start).toISOString() : null,
  };
}

/** A period as listed: times in ISO 8601. */
export function listedPeriod(p: AlertPeriod) {
  return {
    ruleId: p.ruleId,
    start: new Date(p.start).toISOString(),
    end: p.end === null ? null : new Date(p.end).toISOString(),
    shortBurn: p.shortBurn,
    longBurn: p.longBurn,
  };
}
