import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { runColos } from '../../query/colos.js';
import { answerToCsv } from '../../query/csv.js';
import { toStatusQuery } from '../../query/params.js';
import { runQuery } from '../../query/run.js';
import { runSummary } from '../../query/summary.js';
import type { Store } from '../../stores/store.js';
import { requireColoBreakdown } from '../plans.js';
import {
  ColosAnswer,
  ColosQuery,
  errorAnswers,
  StatusCodesAnswer,
  StatusCodesQuery,
  SummaryAnswer,
  SummaryQuery,
  ZoneParams,
} from '../schemas.js';

const read = { access: { scope: 'analytics:read' as const } };

/** The read API: status codes per bucket, a range's summary, and its data centers. */
export const queryRoutes: FastifyPluginAsyncTypebox<{ store: Store; now: () => number }> = async (
  app,
  { store, now },
) => {
  app.get(
    '/api/v1/zones/:zone/status-codes',
    {
      config: read,
      schema: {
        summary: 'Requests per status code and time bucket, with their share of the bucket',
        description:
          'Answers exactly what `edgestat query --json` answers. `?format=csv` or `Accept: text/csv` gives CSV.',
        tags: ['query'],
        params: ZoneParams,
        querystring: StatusCodesQuery,
        response: {
          200: {
            description: 'The answer, as JSON or CSV',
            content: {
              'application/json': { schema: StatusCodesAnswer },
              'text/csv': { schema: { type: 'string' } },
            },
          },
          ...errorAnswers(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const { format, ...raw } = request.query;
      const query = toStatusQuery({ zone: request.params.zone, ...raw }, now());
      if (query.by.includes('colo') || query.colos) await requireColoBreakdown(store, query.zone);
      const answer = await runQuery(store, query);
      if (answer.truncated) reply.header('edgestat-truncated', String(answer.limit));
      const csv = format === 'csv' || (format === undefined && prefersCsv(request.headers.accept));
      if (csv) return reply.type('text/csv; charset=utf-8').send(answerToCsv(answer));
      // Serialized as the CLI does, so that both give the same bytes (the schema would reorder keys).
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(answer));
    },
  );

  app.get(
    '/api/v1/zones/:zone/summary',
    {
      config: read,
      schema: {
        summary: 'Totals per group and per source (edge, origin) over a range',
        tags: ['query'],
        params: ZoneParams,
        querystring: SummaryQuery,
        response: { 200: SummaryAnswer, ...errorAnswers(400, 401, 403) },
      },
    },
    async (request) => {
      const query = toStatusQuery({ zone: request.params.zone, ...request.query }, now());
      if (query.colos) await requireColoBreakdown(store, query.zone);
      return runSummary(store, query);
    },
  );

  app.get(
    '/api/v1/zones/:zone/colos',
    {
      config: read,
      schema: {
        summary: 'Data centers seen in a range, with their totals per group (enterprise plan)',
        tags: ['query'],
        params: ZoneParams,
        querystring: ColosQuery,
        response: { 200: ColosAnswer, ...errorAnswers(400, 401, 403) },
      },
    },
    async (request) => {
      const query = toStatusQuery({ zone: request.params.zone, ...request.query }, now());
      await requireColoBreakdown(store, query.zone);
      return runColos(store, query);
    },
  );
};

/** True when an Accept header asks for CSV before JSON. */
function prefersCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const csv = accept.indexOf('text/csv');
  if (csv < 0) return false;
  const json = accept.indexOf('application/json');
  return json < 0 || csv < json;
}
