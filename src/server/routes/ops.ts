import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Metrics } from '../metrics.js';

/** Operations: health, Prometheus metrics and the OpenAPI document. */
export const opsRoutes: FastifyPluginAsyncTypebox<{ metrics: Metrics; metricsPublic: boolean }> = async (
  app,
  { metrics, metricsPublic },
) => {
  app.get(
    '/healthz',
    { config: { access: { scope: 'public' } }, schema: { summary: 'Liveness', tags: ['ops'] } },
    async () => ({ ok: true }),
  );

  app.get(
    '/metrics',
    {
      config: { access: metricsPublic ? { scope: 'public' } : { scope: 'analytics:read', allZones: true } },
      schema: {
        summary: 'Prometheus metrics (text format)',
        description:
          'Needs a token with analytics:read for all zones unless metricsPublic is set or the server runs without tokens.',
        tags: ['ops'],
      },
    },
    async (_request, reply) => {
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );

  app.get('/api/v1/openapi.json', { config: { access: { scope: 'public' } }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
};
