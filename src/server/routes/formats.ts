import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PARSERS } from '../../parsers/registry.js';
import { FormatsAnswer } from '../schemas.js';

/**
 * The log formats this server reads, straight from the parser registry: the dashboard's ingest
 * help lists them from here, so a new format shows there without a change to the page.
 */
export const formatRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/formats',
    {
      // Public like the OpenAPI document, which names the same formats: nothing here comes from the data.
      config: { access: { scope: 'public' } },
      schema: {
        summary: 'The log formats push and ingest read (besides auto, which detects them)',
        tags: ['ingest'],
        response: { 200: FormatsAnswer },
      },
    },
    async () => ({
      formats: Object.entries(PARSERS).map(([name, { description }]) => ({ name, description })),
    }),
  );
};
