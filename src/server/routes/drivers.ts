import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { hasColoBreakdown } from '../../model/plans.js';
import { DRIVER_DIMENSIONS, type DriverDimension, findDrivers } from '../../query/drivers.js';
import { listParam, QueryParamError, toStatusQuery } from '../../query/params.js';
import type { Store } from '../../stores/store.js';
import { requireColoBreakdown } from '../plans.js';
import { DriversAnswer, DriversQuery, errorAnswers, ZoneParams } from '../schemas.js';

/** `GET /api/v1/zones/{zone}/drivers`: the data centers and hosts behind a change of some codes. */
export const driversRoutes: FastifyPluginAsyncTypebox<{ store: Store; now: () => number }> = async (
  app,
  { store, now },
) => {
  app.get(
    '/api/v1/zones/:zone/drivers',
    {
      config: { access: { scope: 'analytics:read' } },
      schema: {
        summary: 'What drives a change: data centers and hosts ranked by what they added over the previous period',
        tags: ['query'],
        params: ZoneParams,
        querystring: DriversQuery,
        response: { 200: DriversAnswer, ...errorAnswers(400, 401, 403) },
      },
    },
    async (request) => {
      const { by, ...raw } = request.query;
      const query = toStatusQuery({ zone: request.params.zone, ...raw, by: '' }, now());
      const asked = listParam(by);
      for (const d of asked) {
        if (!(DRIVER_DIMENSIONS as readonly string[]).includes(d)) {
          throw new QueryParamError(
            'by',
            `must be a comma-separated list of ${DRIVER_DIMENSIONS.join(', ')}; got "${d}"`,
          );
        }
      }
      let dimensions = [...new Set(asked)] as DriverDimension[];
      if (dimensions.includes('colo')) await requireColoBreakdown(store, query.zone);
      if (dimensions.length === 0) {
        const colos = hasColoBreakdown(await store.zonePlan(query.zone));
        dimensions = colos ? ['colo', 'host'] : ['host'];
      }
      return findDrivers(store, query, dimensions);
    },
  );
};
