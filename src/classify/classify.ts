import type { NormalizedRequest } from '../model/request.js';
import { DNS_EDGE_ERROR_CODES, type Facts, type Group, RULES, type Rule, type Source } from './rules.js';

export interface Classification {
  /** The status the views show: 1xxx codes as 403/409, a derived 52x cause as itself. */
  status: number;
  group: Group;
  source: Source;
}

/** The status a request is shown with (1xxx codes as 409 or 403; 52x causes as themselves). */
export function displayStatus(req: NormalizedRequest): number {
  if (req.edgeErrorCode > 0) return DNS_EDGE_ERROR_CODES.has(req.edgeErrorCode) ? 409 : 403;
  if (req.cause > 0) return req.cause;
  return req.edgeStatus;
}

/** origin when the origin answered and the edge passed its status through; else edge. */
export function sourceOf(req: NormalizedRequest): Source {
  return req.originStatus > 0 && req.edgeStatus === req.originStatus && req.cause === 0 && req.edgeErrorCode === 0
    ? 'origin'
    : 'edge';
}

function matches(rule: Rule, facts: Facts): boolean {
  if (facts.status < rule.from || facts.status > rule.to) return false;
  if (rule.source !== undefined && rule.source !== facts.source) return false;
  if (rule.wsRateLimited !== undefined && rule.wsRateLimited !== facts.wsRateLimited) return false;
  return true;
}

/** The rule that decides a request's group; undefined only for a status outside 100-599. */
export function ruleFor(facts: Facts): Rule | undefined {
  for (const rule of RULES) if (matches(rule, facts)) return rule;
  return undefined;
}

/** Classifies a normalized request (pure). Parsers guarantee a status in 100-599. */
export function classify(req: NormalizedRequest): Classification {
  const facts: Facts = { status: displayStatus(req), source: sourceOf(req), wsRateLimited: req.wsRateLimited };
  const rule = ruleFor(facts);
  return { status: facts.status, source: facts.source, group: rule ? rule.group : 'edge' };
}
