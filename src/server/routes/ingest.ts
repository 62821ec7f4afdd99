import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { Limits } from '../../config/config.js';
import { CardinalityGuard } from '../../ingest/cardinality.js';
import { GroupCommitter } from '../../ingest/group-commit.js';
import {
  IdempotencyConflictError,
  type IngestResult,
  InputLimitError,
  TruncatedInputError,
  UndetectedFormatError,
  UnknownFormatError,
} from '../../ingest/pipeline.js';
import { pushIngest } from '../../ingest/push-ingest.js';
import { PushParsers } from '../../ingest/push-pool.js';
import { parseFieldMap } from '../../parsers/ndjson.js';
import type { RollupRow } from '../../rollup/rollup.js';
import type { Store } from '../../stores/store.js';
import { bodyEncoding, decodeBody, receiveBody } from '../body.js';
import { type BodyBudget, busy } from '../body-budget.js';
import { ApiError } from '../errors.js';
import type { LiveBus } from '../live-bus.js';
import { type Metrics, RequestTally } from '../metrics.js';
import { errorAnswers, IngestAnswer, IngestQuery, ZoneParams } from '../schemas.js';

/** Smallest decompressed allowance whatever the ratio: small bodies compress very well and are harmless. */
const RATIO_FLOOR_BYTES = 1024 * 1024;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

export interface IngestRouteOptions {
  store: Store;
  limits: Limits;
  metrics: Metrics;
  bus: LiveBus;
  inFlight: InFlight;
  bodies: BodyBudget;
}

/** Counts ingests being processed: bounds concurrency and lets shutdown wait for them. */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();

  get size(): number {
    return this.running.size;
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const done = () => this.running.delete(work);
    work.then(done, done);
    return work;
  }

  /** Resolves once every tracked ingest has finished (committed or failed). */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}

/** A line carries a zone other than the one in the path: the token's zone scope must hold for pushed data. */
class ZoneMismatchError extends ApiError {
  constructor(lineZone: string, zone: string) {
    super('zone_mismatch', `a line is for zone "${lineZone}" but was pushed to zone "${zone}": nothing was committed`);
  }
}

/** Push ingest: `POST /api/v1/zones/{zone}/logs`, acknowledged only once the batch is durable. */
export const ingestRoutes: FastifyPluginAsyncTypebox<IngestRouteOptions> = async (app, options) => {
  const { store, limits, metrics, bus, inFlight, bodies } = options;
  const cardinality = new CardinalityGuard(store, limits);
  // Parsing runs per request; commits of many requests share one store transaction.
  const committer = new GroupCommitter(store, limits);
  // Small bodies are decoded and parsed on these threads, one per core but the main thread's
  // (more than limits.concurrentIngests would never all be busy): the main thread stays free to answer.
  const parsers = new PushParsers(Math.max(1, Math.min(limits.concurrentIngests, availableParallelism() - 1)));
  // Batches still running when the server closes finish on their threads first.
  app.addHook('onClose', async () => {
    await inFlight.drain();
    await parsers.close();
  });
  // The handler reads bodies itself, whatever their type, before they take an ingest slot.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.post(
    '/api/v1/zones/:zone/logs',
    {
      config: { access: { scope: 'logs:write' } },
      bodyLimit: limits.bodyBytes,
      schema: {
        summary: 'Push log lines (NDJSON or text, plain or gzip); 200 only once they are durable',
        description:
          'Send the same batch again with the same Idempotency-Key header (or, without one, the same body) and it is not counted twice.',
        tags: ['ingest'],
        params: ZoneParams,
        querystring: IngestQuery,
        headers: {
          type: 'object',
          properties: {
            'idempotency-key': { type: 'string', description: 'Key of this batch (printable ASCII, at most 200)' },
            'content-encoding': { type: 'string', description: 'gzip, deflate, br or none' },
          },
        },
        response: { 200: IngestAnswer, ...errorAnswers(400, 401, 403, 409, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      const { zone } = request.params;
      const contentLength = Number(request.headers['content-length'] ?? Number.NaN);
      if (contentLength > limits.bodyBytes) {
        reply.header('connection', 'close');
        throw new ApiError(
          'body_too_large',
          `request body of ${contentLength} bytes is over ${limits.bodyBytes} (limits.bodyBytes)`,
        );
      }
      const headerKey = request.headers['idempotency-key'];
      if (headerKey !== undefined && (typeof headerKey !== 'string' || !IDEMPOTENCY_KEY.test(headerKey))) {
        throw new ApiError('bad_parameter', 'Idempotency-Key must be 1 to 200 printable ASCII characters', {
          param: 'Idempotency-Key',
        });
      }
      const maxInputBytes = Number.isFinite(contentLength)
        ? Math.min(limits.decompressedBytes, Math.max(RATIO_FLOOR_BYTES, contentLength * limits.gzipRatio))
        : limits.decompressedBytes;
      const encoding = bodyEncoding(request.headers['content-encoding']);
      const chunks = await receivePush(request, reply, bodies, limits, metrics);
      if (committer.queued >= limits.commitQueue) {
        metrics.batches.inc({ outcome: 'busy' });
        throw busy(
          `${committer.queued} batches are waiting to be parsed or committed (limits.commitQueue)`,
          limits.retryAfterSeconds,
        );
      }
      const tally = new RequestTally();
      const minutes = new Set<number>();
      const onRows = (rows: RollupRow[]) => {
        for (const row of rows) {
          if (row.zone !== zone) throw new ZoneMismatchError(row.zone, zone);
          minutes.add(row.minute);
        }
        tally.add(rows);
      };
      const stop = metrics.ingestSeconds.startTimer();
      let result: IngestResult;
      try {
        result = await inFlight.track(
          pushIngest(store, chunks, {
            encoding,
            parsers,
            stream: (body) => decodeBody(body, encoding),
            format: request.query.format ?? 'auto',
            parser: {
              zone,
              colo: request.query.colo,
              fieldMap: request.query.map ? fieldMapParam(request.query.map) : undefined,
            },
            key: headerKey ? `http:${zone}:${headerKey}` : undefined,
            input: 'http',
            maxLineBytes: limits.lineBytes,
            maxInputBytes,
            strictInput: true,
            cardinality,
            batches: committer,
            onRows,
          }),
        );
      } catch (err) {
        const apiError = ingestError(err, maxInputBytes, limits);
        metrics.batches.inc({ outcome: apiError?.code ?? 'failed' });
        if (apiError) {
          if (apiError.status === 413) reply.header('connection', 'close');
          throw apiError;
        }
        throw err;
      } finally {
        stop();
      }
      metrics.countBatch(result, tally);
      if (result.outcome === 'committed') bus.publish({ zone, minutes: [...minutes] });
      logIngest(request.log, zone, result);
      return {
        accepted: result.accepted,
        rejected: result.rejected,
        rejects: result.samples.map((s) => ({ line: s.line, reason: s.reason, detail: s.detail })),
        duplicate: result.outcome === 'duplicate',
        lines: result.lines,
        format: result.format,
        key: result.key,
        folded: result.folded,
        setAside: result.setAside,
        notices: result.notices ?? [],
      };
    },
  );
};

/**
 * Receives a push body whole, within limits.bodyBytes and the memory budget, before it takes an
 * ingest slot or a store transaction: a slow client then holds only its own bytes. The body's
 * share of the budget is returned once the answer is sent or the client has gone.
 */
async function receivePush(
  request: FastifyRequest,
  reply: FastifyReply,
  bodies: BodyBudget,
  limits: Limits,
  metrics: Metrics,
): Promise<Buffer[]> {
  const contentLength = Number(request.headers['content-length'] ?? Number.NaN);
  try {
    const hold = bodies.admit(Number.isFinite(contentLength) ? contentLength : 0);
    reply.raw.once('close', hold.release);
    // Without a Content-Type Fastify runs no parser: the body is then still unread on the raw request.
    return await receiveBody((request.body as Readable | undefined) ?? request.raw, limits.bodyBytes, hold);
  } catch (err) {
    if (request.raw.readableAborted) {
      metrics.batches.inc({ outcome: 'aborted' });
      request.log.info('client went away before its body ended: nothing committed');
      throw new ApiError('bad_body', 'request body broke off: nothing was committed');
    }
    metrics.batches.inc({ outcome: (err as ApiError).code ?? 'failed' });
    // Refused half-read (too large, over the memory budget): the rest of the body is not waited for.
    if (!request.raw.readableEnded) reply.header('connection', 'close');
    throw err;
  }
}

/** Maps what the pipeline throws for bad input onto the API's errors; undefined for server faults. */
function ingestError(err: unknown, maxInputBytes: number, limits: Limits): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof UnknownFormatError || err instanceof UndetectedFormatError)
    return new ApiError('unknown_format', (err as Error).message, { param: 'format' });
  if (err instanceof IdempotencyConflictError) return new ApiError('idempotency_conflict', err.message);
  if (err instanceof InputLimitError) {
    const which =
      maxInputBytes < limits.decompressedBytes
        ? `${limits.gzipRatio} times the body size (limits.gzipRatio)`
        : `${limits.decompressedBytes} bytes (limits.decompressedBytes)`;
    return new ApiError('input_too_large', `body decompresses to more than ${which}: nothing was committed`);
  }
  if (err instanceof TruncatedInputError)
    return new ApiError('bad_body', `${(err as Error).message}: nothing was committed`);
  const code = String((err as NodeJS.ErrnoException).code ?? '');
  // zlib reports broken deflate as Z_*, broken brotli as ERR_BROTLI_* or ERR__ERROR_*.
  if (/^(Z_|ERR_BROTLI|ERR__ERROR)/.test(code)) {
    return new ApiError('bad_body', `body cannot be decompressed (${(err as Error).message}): nothing was committed`);
  }
  return undefined;
}

function fieldMapParam(text: string): Record<string, string> {
  try {
    return parseFieldMap(text);
  } catch (err) {
    throw new ApiError('bad_parameter', `map: ${(err as Error).message}`, { param: 'map' });
  }
}

function logIngest(log: FastifyBaseLogger, zone: string, r: IngestResult): void {
  log.info(
    {
      zone,
      key: r.key,
      outcome: r.outcome,
      format: r.format,
      lines: r.lines,
      accepted: r.accepted,
      rejected: r.rejected,
      rawBytes: r.rawBytes,
      bytes: r.bytes,
      ms: Math.round(r.durationMs),
    },
    'ingest',
  );
}
