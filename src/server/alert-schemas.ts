import { Type } from '@fastify/type-provider-typebox';
import { ERROR_GROUPS } from '../alerts/rules.js';
import { ALERT_CAPS, STATUS_CLASSES, WEBHOOK_KINDS } from '../model/alerts.js';
import { RangeQuery, ZoneParams } from './schemas.js';

/** The schemas of the alert routes (they validate requests and generate the OpenAPI document). */

export const AlertParams = Type.Object({
  zone: ZoneParams.properties.zone,
  id: Type.String({ pattern: '^al_[0-9a-f]{1,32}$', description: 'Rule id' }),
});

const Errors = Type.Object(
  {
    group: Type.Optional(Type.Enum(ERROR_GROUPS, { description: 'An error group' })),
    statusClass: Type.Optional(Type.Enum(STATUS_CLASSES, { description: 'Or a status class' })),
    statuses: Type.Optional(
      Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), {
        minItems: 1,
        maxItems: ALERT_CAPS.statusesPerRule,
        description: 'Or display statuses',
      }),
    ),
  },
  { additionalProperties: false, description: 'What counts as an error: exactly one of group, statusClass, statuses' },
);

export const AlertRuleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: ALERT_CAPS.nameLength }),
    errors: Errors,
    colo: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'Only this data center (enterprise plan)' }),
    ),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Only this host' })),
    target: Type.Number({
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
      description: 'Share of requests that should not be errors: 0.98 leaves an error budget of 2 %',
    }),
    burnRate: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: 'Threshold on both windows, times the budget; default 14.4' }),
    ),
    minRequests: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Requests the 5-minute window needs to fire; default 20' }),
    ),
    webhooks: Type.Optional(
      Type.Array(
        Type.Object(
          {
            url: Type.String({ maxLength: ALERT_CAPS.urlLength, description: 'http or https URL' }),
            kind: Type.Enum(WEBHOOK_KINDS, { description: 'json (generic) or slack' }),
            secret: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: ALERT_CAPS.secretLength,
                description: 'Signing secret; generated (and answered once) when absent',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        { maxItems: ALERT_CAPS.webhooksPerRule },
      ),
    ),
  },
  { additionalProperties: false },
);

const ListedRule = Type.Object({
  id: Type.String(),
  zone: Type.String(),
  name: Type.String(),
  errors: Type.Unknown(),
  colo: Type.Union([Type.String(), Type.Null()]),
  host: Type.Union([Type.String(), Type.Null()]),
  target: Type.Number(),
  burnRate: Type.Number(),
  minRequests: Type.Integer(),
  webhooks: Type.Array(Type.Object({ kind: Type.String(), host: Type.String() })),
  createdAt: Type.String({ format: 'date-time' }),
  state: Type.Enum(['firing', 'resolved']),
  firingSince: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const AlertRulesAnswer = Type.Object({ zone: Type.String(), rules: Type.Array(ListedRule) });

export const CreatedAlertRule = Type.Object({
  rule: ListedRule,
  secrets: Type.Array(Type.String(), {
    description: "Each webhook's signing secret, in order: shown only in this answer",
  }),
});

export const AlertPeriodsQuery = Type.Object(
  { from: RangeQuery.from, to: RangeQuery.to, rule: Type.Optional(Type.String({ description: 'Only this rule' })) },
  { additionalProperties: false },
);

export const AlertPeriodsAnswer = Type.Object({
  zone: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  periods: Type.Array(
    Type.Object({
      ruleId: Type.String(),
      start: Type.String({ format: 'date-time' }),
      end: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'null while firing' }),
      shortBurn: Type.Number(),
      longBurn: Type.Number(),
    }),
  ),
  truncated: Type.Optional(Type.Boolean()),
  limit: Type.Optional(Type.Integer()),
});
