import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCompress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ServeConfig } from '../config/config.js';
import type { Store } from '../stores/store.js';
import { Auth, installAuth } from './auth.js';
import { BodyBudget } from './body-budget.js';
import { ApiError, installErrorHandling } from './errors.js';
import { frameworkErrorOptions } from './framework-errors.js';
import { LiveBus } from './live-bus.js';
import { Metrics } from './metrics.js';
import { redactingLogger } from './redact.js';
import { installRequestGuard } from './request-guard.js';
import { driversRoutes } from './routes/drivers.js';
import { formatRoutes } from './routes/formats.js';
import { InFlight, ingestRoutes } from './routes/ingest.js';
import { liveRoutes } from './routes/live.js';
import { opsRoutes } from './routes/ops.js';
import { queryRoutes } from './routes/query.js';
import { zoneRoutes } from './routes/zones.js';
import { installSecurityHeaders } from './security-headers.js';
import { connectionTimeouts } from './timeouts.js';

/** The dashboard's build: `dist/web`, beside this compiled module's folder. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../web', import.meta.url));

export interface AppOptions {
  store: Store;
  config: ServeConfig;
  /** Fastify's logger option; false in most tests. */
  logger?: FastifyServerOptions['logger'];
  /** The clock of queries and live views (tests pin it). */
  now?: () => number;
}

/** A built server with what `serve` needs for a graceful shutdown. */
export interface EdgestatApp {
  app: FastifyInstance;
  auth: Auth;
  metrics: Metrics;
  inFlight: InFlight;
  bodies: BodyBudget;
}

/** Builds the HTTP server: API, live views, metrics, OpenAPI document and the dashboard. */
export async function buildApp(options: AppOptions): Promise<EdgestatApp> {
  const { config } = options;
  const now = options.now ?? Date.now;
  const app = Fastify({
    ...connectionTimeouts(config.limits),
    logger: redactingLogger(options.logger ?? false),
    // Only small JSON bodies (plans) are parsed; the ingest route reads its body and enforces limits.bodyBytes itself.
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    return503OnClosing: false,
    ...frameworkErrorOptions(),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const metrics = new Metrics();
  metrics.trackStorage(options.store);
  const store = metrics.instrument(options.store);
  const auth = new Auth(store, app.log);
  const bus = new LiveBus();
  const inFlight = new InFlight();
  const bodies = new BodyBudget(config.limits);

  installErrorHandling(app);
  installSecurityHeaders(app);
  // While shutting down, new requests get 503 and connections end after their answer
  // instead of idling out keep-alive; requests already running finish.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing) throw new ApiError('shutting_down', 'the server is shutting down; retry against its successor');
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  installRequestGuard(app, auth);
  installAuth(app, auth);
  // Answers (a 24 h view is megabytes of JSON) go compressed to clients that accept br or gzip.
  // Request bodies are left alone: the push route decodes Content-Encoding itself, within its limits.
  await app.register(fastifyCompress, { globalDecompression: false, encodings: ['br', 'gzip'] });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'edgestat API',
        version: '1',
        description: 'HTTP status code analytics for edge networks: query, push ingest, live updates.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(queryRoutes, { store, now });
  await app.register(driversRoutes, { store, now });
  await app.register(zoneRoutes, { store });
  await app.register(ingestRoutes, { store, limits: config.limits, metrics, bus, inFlight, bodies });
  await app.register(liveRoutes, { store, bus, pollMs: config.livePollMs, now });
  await app.register(opsRoutes, { metrics, metricsPublic: config.metricsPublic, store });
  await app.register(formatRoutes);

  const webRoot = config.webRoot ?? DEFAULT_WEB_ROOT;
  if (existsSync(join(webRoot, 'index.html'))) {
    // The dashboard keeps its state in the query string of `/`, so it needs no fallback route
    // (installErrorHandling owns the one not-found handler Fastify allows).
    // The web build writes .br and .gz beside each file; they go to clients that accept them.
    await app.register(fastifyStatic, { root: webRoot, prefix: '/', wildcard: false, preCompressed: true });
  }
  return { app, auth, metrics, inFlight, bodies };
}
