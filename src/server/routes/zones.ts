import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { hasColoBreakdown } from '../../model/plans.js';
import type { Store } from '../../stores/store.js';
import { visibleZones } from '../auth.js';
import { ApiError } from '../errors.js';
import { errorAnswers, ZoneAnswer, ZoneParams, ZonePlanBody, ZonesAnswer } from '../schemas.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
/** Zones in one list at most (ingest takes 1,000 by default: more only from before that cap or a larger one). */
export const MAX_ZONES_LISTED = 10_000;

/** Zones, their plans and what the plans include. */
export const zoneRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get(
    '/api/v1/zones',
    {
      config: { access: { scope: 'analytics:read' } },
      schema: {
        summary: 'Zones with data or a plan (only those the token is for)',
        tags: ['zones'],
        response: { 200: ZonesAnswer, ...errorAnswers(401, 403) },
      },
    },
    async (request) => {
      const zones = visibleZones(request, await store.zones());
      const cut = zones.length > MAX_ZONES_LISTED ? { truncated: true, limit: MAX_ZONES_LISTED } : {};
      const listed = zones.slice(0, MAX_ZONES_LISTED);
      return { ...cut, zones: listed.map((z) => ({ ...z, firstSeen: iso(z.firstSeen), lastSeen: iso(z.lastSeen) })) };
    },
  );

  app.get(
    '/api/v1/zones/:zone',
    {
      config: { access: { scope: 'analytics:read' } },
      schema: {
        summary: "A zone's plan and the features it includes",
        tags: ['zones'],
        params: ZoneParams,
        response: { 200: ZoneAnswer, ...errorAnswers(401, 403, 404) },
      },
    },
    async (request) => {
      const { zone } = request.params;
      const info = (await store.zones()).find((z) => z.zone === zone);
      if (!info) throw new ApiError('not_found', `zone ${zone} has no data and no plan yet`);
      return { zone, plan: info.plan, features: { coloBreakdown: hasColoBreakdown(info.plan) } };
    },
  );

  app.put(
    '/api/v1/zones/:zone',
    {
      config: { access: { scope: 'admin' } },
      schema: {
        summary: "Sets a zone's plan (as `edgestat zone set`, for a store the server holds open)",
        tags: ['zones'],
        params: ZoneParams,
        body: ZonePlanBody,
        response: { 200: ZoneAnswer, ...errorAnswers(400, 401, 403) },
      },
    },
    async (request) => {
      const { zone } = request.params;
      await store.setZonePlan(zone, request.body.plan);
      const plan = await store.zonePlan(zone);
      return { zone, plan, features: { coloBreakdown: hasColoBreakdown(plan) } };
    },
  );
};
