import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { GROUPS, type Group } from '../../classify/rules.js';
import { answerToCsv } from '../../query/csv.js';
import { toStatusQuery } from '../../query/params.js';
import { percentOf, runQuery } from '../../query/run.js';
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
/**
 * Data centers in one /colos answer at most: those with the most requests, flagged `truncated`.
 * Twice the default ingest cap, so that a day's colos and "(Other)" always fit.
 */
export const MAX_COLOS = 2000;
const iso = (ms: number) => new Date(ms).toISOString();
const zeroGroups = () => Object.fromEntries(GROUPS.map((g) => [g, 0])) as Record<Group, number>;

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
      const rows = await store.aggregate({ ...query, by: ['group', 'source'], bucketSeconds: 0 });
      const groups = zeroGroups();
      const sources = { edge: 0, origin: 0 };
      let requests = 0;
      let bytes = 0;
      for (const r of rows) {
        groups[r.group!] += r.requests;
        sources[r.source!] += r.requests;
        requests += r.requests;
        bytes += r.bytes;
      }
      const share = (n: number) => ({ requests: n, percent: percentOf(n, requests) });
      return {
        zone: query.zone,
        from: iso(query.from),
        to: iso(query.to),
        requests,
        bytes,
        groups: Object.fromEntries(GROUPS.map((g) => [g, share(groups[g])])),
        sources: { edge: share(sources.edge), origin: share(sources.origin) },
      };
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
      // The top colos are chosen in the store (never all of them in memory); one more than allowed tells a cut answer.
      const top = await store.distinctValues({
        dimension: 'colo',
        zone: query.zone,
        from: query.from,
        to: query.to,
        limit: MAX_COLOS + 1,
      });
      const truncated = top.length > MAX_COLOS;
      const rows = await store.aggregate({
        ...query,
        ...(truncated ? { colos: top.slice(0, MAX_COLOS) } : {}),
        by: ['colo', 'group'],
        bucketSeconds: 0,
      });
      const colos = new Map<string, { colo: string; requests: number; bytes: number; groups: Record<Group, number> }>();
      for (const r of rows) {
        let colo = colos.get(r.colo!);
        if (!colo) {
          colo = { colo: r.colo!, requests: 0, bytes: 0, groups: zeroGroups() };
          colos.set(r.colo!, colo);
        }
        colo.requests += r.requests;
        colo.bytes += r.bytes;
        colo.groups[r.group!] += r.requests;
      }
      const sorted = [...colos.values()].sort((a, b) => b.requests - a.requests || a.colo.localeCompare(b.colo));
      // Colos ingested between the two queries could add a few: the answer keeps its bound.
      sorted.length = Math.min(sorted.length, MAX_COLOS);
      const cut = truncated ? { truncated: true, limit: MAX_COLOS } : {};
      return { zone: query.zone, from: iso(query.from), to: iso(query.to), ...cut, colos: sorted };
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
