import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { storageAnswer } from '../../query/storage.js';
import type { Store } from '../../stores/store.js';
import type { Metrics } from '../metrics.js';
import { errorAnswers, StorageAnswer } from '../schemas.js';

/** Operations: health, Prometheus metrics, the storage report and the OpenAPI document. */
export const opsRoutes: FastifyPluginAsyncTypebox<{ metrics: Metrics; metricsPublic: boolean; store: Store }> = async (
  app,
  { metrics, metricsPublic, store },
) => {
  app.get(
    '/healthz',
    {
      config: { access: { scope: 'public' } },
      schema: {
        summary: 'Liveness: the server answers and its store reads (503 store_unavailable if not)',
        tags: ['ops'],
      },
    },
    async () => {
      // One point lookup: cheap on every store, and it fails as StoreUnavailableError when the store cannot read.
      await store.ingestRecord('healthz');
      return { ok: true };
    },
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

  app.get(
    '/api/v1/storage',
    {
      // Rows of every zone together: for tokens that read all zones, as /metrics.
      config: { access: { scope: 'analytics:read', allZones: true } },
      schema: {
        summary: 'What each rollup tier holds (rows, first and last row, retention) and the store size',
        tags: ['ops'],
        response: { 200: StorageAnswer, ...errorAnswers(401, 403) },
      },
    },
    async () => storageAnswer(store),
  );

  app.get('/api/v1/openapi.json', { config: { access: { scope: 'public' } }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
};
