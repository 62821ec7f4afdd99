import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import { AlertRulesFullError, createAlertRule, listedPeriod, listedRule } from '../../alerts/rules.js';
import { ALERT_CAPS } from '../../model/alerts.js';
import { QueryParamError } from '../../query/params.js';
import { parseTime } from '../../query/time.js';
import type { Store } from '../../stores/store.js';
import {
  AlertParams,
  AlertPeriodsAnswer,
  AlertPeriodsQuery,
  AlertRuleBody,
  AlertRulesAnswer,
  CreatedAlertRule,
} from '../alert-schemas.js';
import { ApiError } from '../errors.js';
import { requireColoBreakdown } from '../plans.js';
import { errorAnswers, ZoneParams } from '../schemas.js';

/** A zone's alert rules (list, create, delete) and their firing periods over a range. */
export const alertRoutes: FastifyPluginAsyncTypebox<{ store: Store; now: () => number }> = async (
  app,
  { store, now },
) => {
  const { alerts } = store;

  app.get(
    '/api/v1/zones/:zone/alerts',
    {
      config: { access: { scope: 'analytics:read' } },
      schema: {
        summary: "The zone's alert rules and whether each is firing",
        tags: ['alerts'],
        params: ZoneParams,
        response: { 200: AlertRulesAnswer, ...errorAnswers(401, 403) },
      },
    },
    async (request) => {
      const { zone } = request.params;
      const [rules, open] = await Promise.all([alerts.alertRules(zone), alerts.openAlertPeriods()]);
      const firing = new Map(open.map((p) => [p.ruleId, p]));
      return { zone, rules: rules.map((r) => listedRule(r, firing.get(r.id))) };
    },
  );

  app.post(
    '/api/v1/zones/:zone/alerts',
    {
      config: { access: { scope: 'admin' } },
      schema: {
        summary: 'Creates an alert rule; the answer holds its webhook secrets, shown only here',
        tags: ['alerts'],
        params: ZoneParams,
        body: AlertRuleBody,
        response: { 201: CreatedAlertRule, ...errorAnswers(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { zone } = request.params;
      if (request.body.colo !== undefined) await requireColoBreakdown(store, zone);
      try {
        const rule = await createAlertRule(alerts, zone, request.body, now());
        reply.code(201);
        return { rule: listedRule(rule, undefined), secrets: rule.webhooks.map((w) => w.secret) };
      } catch (err) {
        if (err instanceof AlertRulesFullError) throw new ApiError('alert_rules_full', err.message);
        throw err;
      }
    },
  );

  app.delete(
    '/api/v1/zones/:zone/alerts/:id',
    {
      config: { access: { scope: 'admin' } },
      schema: {
        summary: 'Deletes an alert rule and its firing periods',
        tags: ['alerts'],
        params: AlertParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorAnswers(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { zone, id } = request.params;
      if (!(await alerts.deleteAlertRule(zone, id))) throw new ApiError('not_found', `zone ${zone} has no rule ${id}`);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/zones/:zone/alerts/periods',
    {
      config: { access: { scope: 'analytics:read' } },
      schema: {
        summary: "Firing periods of the zone's rules that overlap a range, newest first",
        tags: ['alerts'],
        params: ZoneParams,
        querystring: AlertPeriodsQuery,
        response: { 200: AlertPeriodsAnswer, ...errorAnswers(400, 401, 403) },
      },
    },
    async (request) => {
      const { zone } = request.params;
      const at = now();
      const time = (param: 'from' | 'to', fallback: string) => {
        try {
          return parseTime(request.query[param] ?? fallback, at);
        } catch (err) {
          throw new QueryParamError(param, (err as Error).message);
        }
      };
      const from = time('from', '-24h');
      const to = time('to', 'now');
      if (from >= to) throw new QueryParamError('from', 'must be before to');
      const [rules, periods] = await Promise.all([
        alerts.alertRules(zone),
        alerts.alertPeriods({ zone, ruleId: request.query.rule, from, to, limit: ALERT_CAPS.periodsListed + 1 }),
      ]);
      // A period can outlive its rule for a moment (a delete racing the evaluator): only rules that exist show.
      const ids = new Set(rules.map((r) => r.id));
      const shown = periods.filter((p) => ids.has(p.ruleId));
      const cut = shown.length > ALERT_CAPS.periodsListed ? { truncated: true, limit: ALERT_CAPS.periodsListed } : {};
      return {
        zone,
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        periods: shown.slice(0, ALERT_CAPS.periodsListed).map(listedPeriod),
        ...cut,
      };
    },
  );
};
