import { readFileSync } from 'node:fs';
import { type Static, Type } from '@fastify/type-provider-typebox';
import { Value } from 'typebox/value';

const MiB = 1024 * 1024;

/** Limits of the HTTP server: every one is a key of the `limits` object in the config file. */
export const LimitsSchema = Type.Object(
  {
    bodyBytes: Type.Integer({
      minimum: 1,
      default: 100 * MiB,
      description: 'Largest request body as sent (compressed size for gzip), bytes: 413 above',
    }),
    decompressedBytes: Type.Integer({
      minimum: 1,
      default: 1024 * MiB,
      description: 'Largest body once decompressed, bytes: 413 above, nothing committed',
    }),
    gzipRatio: Type.Number({
      minimum: 1,
      default: 100,
      description: 'Largest decompressed/compressed size ratio when Content-Length is known (gzip bombs): 413 above',
    }),
    lineBytes: Type.Integer({
      minimum: 64,
      default: MiB,
      description: 'Longest log line, bytes: longer lines are rejected lines (line-too-long), not failed batches',
    }),
    concurrentIngests: Type.Integer({
      minimum: 1,
      default: 4,
      description: 'Push batches decoded and parsed at once; more wait (within limits.commitQueue)',
    }),
    commitQueue: Type.Integer({
      minimum: 1,
      default: 200,
      description: 'Push batches waiting for a parsing slot or the store writer (group commit): 503 busy beyond',
    }),
    groupRows: Type.Integer({
      minimum: 1,
      default: 100_000,
      description: 'Rollup rows written by one group commit of push batches at most',
    }),
    retryAfterSeconds: Type.Integer({ minimum: 1, default: 2, description: 'Retry-After sent with 503 busy' }),
    colosPerZoneDay: Type.Integer({
      minimum: 1,
      default: 1000,
      description: 'Distinct colos stored per zone per UTC day; the others are stored as (Other)',
    }),
    hostsPerZoneDay: Type.Integer({
      minimum: 1,
      default: 10_000,
      description: 'Distinct hosts stored per zone per UTC day; the others are stored as (Other)',
    }),
    zones: Type.Integer({
      minimum: 1,
      default: 1000,
      description: 'Zones the store takes: lines of a new zone beyond are rejected (too-many-zones)',
    }),
    concurrentBodies: Type.Integer({
      minimum: 1,
      default: 256,
      description: 'Push bodies held at once (being received or ingested): 503 busy beyond',
    }),
    bufferedBytes: Type.Integer({
      minimum: 1,
      default: 512 * MiB,
      description: 'Bytes of push bodies held in memory at once, all requests together: 503 busy beyond',
    }),
    headersSeconds: Type.Number({
      exclusiveMinimum: 0,
      default: 10,
      description: 'Time to receive the request headers: the connection is closed (408) after it',
    }),
    requestSeconds: Type.Number({
      exclusiveMinimum: 0,
      default: 60,
      description: 'Time to receive a whole request, headers and body: the connection is closed (408) after it',
    }),
    keepAliveSeconds: Type.Number({
      exclusiveMinimum: 0,
      default: 5,
      description: 'An idle keep-alive connection is closed after this long',
    }),
    socketIdleSeconds: Type.Number({
      minimum: 20,
      default: 120,
      description:
        'A connection with no byte in either direction for this long is closed (above the 15 s live heartbeat)',
    }),
  },
  { additionalProperties: false },
);

/** The `edgestat serve` configuration file (JSON). Flags and environment variables override it. */
export const ServeConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', description: 'Address to listen on (env EDGESTAT_HOST)' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'Port (env EDGESTAT_PORT)' }),
    store: Type.Optional(
      Type.String({ description: 'Store URL, duckdb:FILE or clickhouse://... (env EDGESTAT_STORE)' }),
    ),
    logLevel: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      default: 'info',
      description: 'Log level (env EDGESTAT_LOG_LEVEL)',
    }),
    metricsPublic: Type.Boolean({
      default: false,
      description: 'Serve /metrics without a token (when tokens exist, it otherwise needs analytics:read on all zones)',
    }),
    livePollMs: Type.Integer({
      minimum: 100,
      default: 5000,
      description: 'Live views re-query the store this often, to show data other processes wrote',
    }),
    alertEvaluateMs: Type.Integer({
      minimum: 1000,
      default: 60_000,
      description: 'Alert rules are evaluated this often (by one process of those sharing a store)',
    }),
    webRoot: Type.Optional(Type.String({ description: 'Directory of the dashboard (default dist/web)' })),
    limits: LimitsSchema,
  },
  { additionalProperties: false },
);

export type ServeConfig = Static<typeof ServeConfigSchema>;
export type Limits = Static<typeof LimitsSchema>;

/** A config file or value that cannot be used: says which key and what is allowed. */
export class ConfigError extends Error {}

/** Parses and validates a config object, filling defaults. */
export function parseConfig(input: unknown, origin = 'config'): ServeConfig {
  const withLimits = { ...(input as object), limits: { ...((input as { limits?: object })?.limits ?? {}) } };
  const value = Value.Default(ServeConfigSchema, withLimits);
  const errors = [...Value.Errors(ServeConfigSchema, value)];
  if (errors.length > 0) {
    const described = errors.slice(0, 5).map((e) => {
      const at = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(top level)';
      const extra = (e.params as { additionalProperties?: string[] }).additionalProperties;
      return extra
        ? `unknown key ${extra.map((k) => `${at === '(top level)' ? '' : `${at}.`}${k}`).join(', ')}`
        : `${at}: ${e.message}`;
    });
    throw new ConfigError(`${origin}: ${described.join('; ')}`);
  }
  return value as ServeConfig;
}

/** Reads a JSON config file, or the defaults without one. */
export function loadConfig(file?: string): ServeConfig {
  if (!file) return parseConfig({});
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseConfig(json, file);
}

/** Overrides from the environment: EDGESTAT_HOST, EDGESTAT_PORT, EDGESTAT_STORE, EDGESTAT_LOG_LEVEL. */
export function envOverrides(env: NodeJS.ProcessEnv = process.env): Partial<ServeConfig> {
  const out: Record<string, unknown> = {};
  if (env.EDGESTAT_HOST) out.host = env.EDGESTAT_HOST;
  if (env.EDGESTAT_PORT) out.port = Number(env.EDGESTAT_PORT);
  if (env.EDGESTAT_STORE) out.store = env.EDGESTAT_STORE;
  if (env.EDGESTAT_LOG_LEVEL) out.logLevel = env.EDGESTAT_LOG_LEVEL;
  return out as Partial<ServeConfig>;
}

/** Applies overrides (environment, then flags) on a config and validates the result. */
export function withOverrides(config: ServeConfig, ...overrides: Partial<ServeConfig>[]): ServeConfig {
  let merged: Record<string, unknown> = { ...config };
  for (const override of overrides) {
    for (const [key, value] of Object.entries(override)) if (value !== undefined) merged = { ...merged, [key]: value };
  }
  return parseConfig(merged, 'settings');
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
