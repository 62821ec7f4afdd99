import type { AlertRule } from '../model/alerts.js';

/**
 * A rule as both stores keep it: id, zone and creation time as columns (they are filtered and
 * sorted on), the rest as one JSON text. A rule is never changed, so its text is never rewritten.
 */
export function ruleSpec(rule: AlertRule): string {
  const { id: _id, zone: _zone, createdAt: _createdAt, ...spec } = rule;
  return JSON.stringify(spec);
}

/** A rule back from its columns and its JSON text. */
export function ruleFromSpec(id: string, zone: string, createdAt: number, spec: string): AlertRule {
  return { id, zone, createdAt, ...(JSON.parse(spec) as Omit<AlertRule, 'id' | 'zone' | 'createdAt'>) };
}
