import { Type } from '@fastify/type-provider-typebox';
import { GROUPS } from '../classify/rules.js';
import { PLANS } from '../model/plans.js';
import { BUCKET_NAMES } from '../model/query.js';
import { REQUEST_SOURCES, VISITOR } from '../model/request-source.js';
import { ZONE_NAME_PATTERN, ZONE_NAME_RULE } from '../model/zone-name.js';
import { FORMAT_CHOICES } from '../parsers/registry.js';
import { TIERS } from '../stores/plan.js';

/** The schemas that validate requests and describe answers; the OpenAPI document is generated from them. */

export const ZoneParams = Type.Object({
  zone: Type.String({ pattern: ZONE_NAME_PATTERN, description: `Zone name: ${ZONE_NAME_RULE}` }),
});

const time = (what: string, fallback: string) =>
  Type.Optional(
    Type.String({
      description: `${what}: ISO 8601 (2026-11-24T10:00:00Z), now, -30m, -24h, -7d or unix seconds; default ${fallback}`,
    }),
  );
const list = (what: string) => Type.Optional(Type.String({ description: `${what} (comma-separated)` }));
const requestSource = list(
  `Only these request sources: all, or of ${REQUEST_SOURCES.join(', ')}; default ${VISITOR} (visitor requests, as the edge's own analytics count), or all when grouped by requestSource`,
);

export const RangeQuery = {
  from: time('Start (inclusive; moved back to the start of its bucket)', '-24h'),
  to: time('End (exclusive)', 'now'),
  bucket: Type.Optional(
    Type.Enum(['auto', ...BUCKET_NAMES], {
      description: 'Bucket size; the range starts on a bucket boundary, so give answers of one view the same bucket',
    }),
  ),
};

export const StatusCodesQuery = Type.Object(
  {
    ...RangeQuery,
    by: list('Group by: status, group, colo, host, source, requestSource; default status; empty for totals per bucket'),
    colo: list('Only these data centers (enterprise plan)'),
    status: list('Only these display statuses: codes (404) or classes (5xx)'),
    group: list(`Only these groups: ${GROUPS.join(', ')}`),
    host: Type.Optional(Type.String({ description: 'Only this host' })),
    requestSource,
    format: Type.Optional(
      Type.Enum(['json', 'csv'], { description: 'Answer format; Accept: text/csv also gives CSV' }),
    ),
  },
  { additionalProperties: false },
);

export const SummaryQuery = Type.Object(
  {
    ...RangeQuery,
    colo: list('Only these data centers (enterprise plan)'),
    host: Type.Optional(Type.String({ description: 'Only this host' })),
    requestSource,
  },
  { additionalProperties: false },
);

export const ColosQuery = Type.Object({ ...RangeQuery, requestSource }, { additionalProperties: false });

export const IngestQuery = Type.Object(
  {
    format: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9-]{1,40}$',
        description: `Log format: ${FORMAT_CHOICES}; default auto`,
      }),
    ),
    colo: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$', description: 'Data center for lines that carry none' }),
    ),
    map: Type.Optional(
      Type.String({
        description: 'ndjson: field mapping as for edgestat ingest --map, e.g. ts=time,status=code,colo=pop',
      }),
    ),
  },
  // Log shippers add parameters of their own (Logpush: header_*, tags): they are ignored, not refused.
  { additionalProperties: true },
);

export const ErrorAnswer = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    param: Type.Optional(Type.String()),
  }),
});

const Group = Type.Enum([...GROUPS]);

export const StatusCodesAnswer = Type.Object({
  zone: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  bucket: Type.String(),
  by: Type.Array(Type.String()),
  truncated: Type.Optional(Type.Boolean({ description: 'Present when only the first `limit` rows are given' })),
  limit: Type.Optional(Type.Integer({ description: 'Rows an answer holds at most (100,000)' })),
  rows: Type.Array(
    Type.Object({
      t: Type.String({ format: 'date-time', description: 'Bucket start' }),
      status: Type.Optional(Type.Integer()),
      group: Type.Optional(Group),
      colo: Type.Optional(Type.String()),
      host: Type.Optional(Type.String()),
      source: Type.Optional(Type.String({ description: 'edge or origin' })),
      requestSource: Type.Optional(Type.Enum([...REQUEST_SOURCES])),
      requests: Type.Integer(),
      bytes: Type.Integer(),
      percent: Type.Number({
        description: 'Share (%) of all requests of the bucket within zone, host, colo and request-source scope',
      }),
    }),
  ),
});

const Share = Type.Object({ requests: Type.Integer(), percent: Type.Number() });
const GroupCounts = Type.Object(Object.fromEntries(GROUPS.map((g) => [g, Type.Integer()])));

export const SummaryAnswer = Type.Object({
  zone: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  requests: Type.Integer(),
  bytes: Type.Integer(),
  groups: Type.Object(Object.fromEntries(GROUPS.map((g) => [g, Share]))),
  sources: Type.Object({ edge: Share, origin: Share }),
});

export const ColosAnswer = Type.Object({
  zone: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  truncated: Type.Optional(
    Type.Boolean({ description: 'Present when there are more data centers than `limit`: the busiest are given' }),
  ),
  limit: Type.Optional(Type.Integer({ description: 'Data centers an answer holds at most (2,000)' })),
  colos: Type.Array(
    Type.Object({ colo: Type.String(), requests: Type.Integer(), bytes: Type.Integer(), groups: GroupCounts }),
  ),
});

const Plan = Type.Enum([...PLANS]);

export const ZonesAnswer = Type.Object({
  truncated: Type.Optional(
    Type.Boolean({ description: 'Present when only the first `limit` zones (by name) are listed' }),
  ),
  limit: Type.Optional(Type.Integer({ description: 'Zones a list holds at most (10,000)' })),
  zones: Type.Array(
    Type.Object({
      zone: Type.String(),
      plan: Plan,
      requests: Type.Integer(),
      firstSeen: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      lastSeen: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    }),
  ),
});

export const StorageAnswer = Type.Object({
  tiers: Type.Array(
    Type.Object({
      tier: Type.Enum([...TIERS]),
      rows: Type.Integer(),
      from: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
        description: 'First row, null when empty',
      }),
      to: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Last row, null when empty' }),
      retentionDays: Type.Union([Type.Integer(), Type.Null()], { description: 'Days kept; null for ever' }),
    }),
  ),
  bytes: Type.Union([Type.Integer(), Type.Null()], { description: 'Bytes on disk; null when unknown' }),
});

export const ZoneAnswer = Type.Object({
  zone: Type.String(),
  plan: Plan,
  features: Type.Object({ coloBreakdown: Type.Boolean() }),
});

export const ZonePlanBody = Type.Object({ plan: Plan }, { additionalProperties: false });

export const IngestAnswer = Type.Object({
  accepted: Type.Integer(),
  rejected: Type.Integer(),
  rejects: Type.Array(Type.Object({ line: Type.Integer(), reason: Type.String(), detail: Type.String() }), {
    description: 'The first rejected lines (at most 10)',
  }),
  duplicate: Type.Boolean({ description: 'The batch was committed before under this key: nothing was counted again' }),
  lines: Type.Integer(),
  format: Type.String(),
  key: Type.String({ description: 'The idempotency key the batch was stored under' }),
  folded: Type.Object(
    { colo: Type.Integer(), host: Type.Integer() },
    { description: 'Requests stored under the colo or host "(Other)": their zone\'s day had reached its cap' },
  ),
  setAside: Type.Object(Object.fromEntries(REQUEST_SOURCES.map((s) => [s, Type.Optional(Type.Integer())])), {
    description:
      'Accepted lines that are not visitor requests, by request source (Cloudflare Worker subrequests, purges, Early Hints...): stored, but counted only when a query asks for their request source',
  }),
  notices: Type.Array(Type.String(), {
    description: 'What the format cannot tell (nginx combined: origin from edge errors), with the log format to use',
  }),
});

export const FormatsAnswer = Type.Object({
  formats: Type.Array(Type.Object({ name: Type.String(), description: Type.String() })),
});

export const LiveQuery = Type.Object(
  {
    rows: Type.Optional(
      Type.Enum(['all', 'none'], {
        description: 'none: events carry only the minute that changed (`{ t }`), for clients that fetch what they show',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The data of one `minute` event of the live stream. */
export const LiveMinute = Type.Object({
  t: Type.String({ format: 'date-time', description: 'Start of the minute' }),
  truncated: Type.Optional(Type.Boolean()),
  limit: Type.Optional(Type.Integer()),
  rows: Type.Optional(
    Type.Array(
      Type.Object({
        status: Type.Integer(),
        group: Group,
        colo: Type.Optional(Type.String({ description: 'Only on plans with the data center breakdown' })),
        requests: Type.Integer(),
        bytes: Type.Integer(),
      }),
    ),
  ),
});

/** Error answers every API route may give, for the OpenAPI document. */
export const errorAnswers = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { ...ErrorAnswer, description: `Error (${s})` }]));

export const DriversQuery = Type.Object(
  {
    ...RangeQuery,
    status: list('The codes whose change to explain: codes (522) or classes (5xx)'),
    group: list(`Or the groups: ${GROUPS.join(', ')}`),
    by: list('Dimensions to rank: colo (enterprise plan), host; default both the plan allows'),
    requestSource,
  },
  { additionalProperties: false },
);

const Driver = Type.Object({
  value: Type.String({ description: 'The data center or host' }),
  requests: Type.Integer({ description: 'Requests of the chosen codes in the range' }),
  baseline: Type.Integer({ description: 'The same in the period of equal length before' }),
  added: Type.Integer({ description: 'requests - baseline: what this value added (negative: it fell)' }),
  percent: Type.Number({ description: "Share (%) of this value's requests that had the chosen codes" }),
  baselinePercent: Type.Number({ description: 'The same share in the baseline' }),
});

export const DriversAnswer = Type.Object({
  zone: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  baselineFrom: Type.String({ format: 'date-time', description: 'Start of the baseline, which ends at from' }),
  requests: Type.Integer(),
  baseline: Type.Integer(),
  drivers: Type.Object({
    colo: Type.Optional(Type.Array(Driver, { description: 'At most 20, most added first' })),
    host: Type.Optional(Type.Array(Driver, { description: 'At most 20, most added first' })),
  }),
});
