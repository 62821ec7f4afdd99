import { setTimeout as sleep } from 'node:timers/promises';
import type { Static } from '@fastify/type-provider-typebox';
import type { IngestAnswer } from './schemas.js';

type IngestAnswerFields = Static<typeof IngestAnswer>;
/** What `POST /api/v1/zones/{zone}/logs` answers; servers older than `folded`, `notices` and `setAside` leave them out. */
export type PushAnswer = Omit<IngestAnswerFields, 'folded' | 'notices' | 'setAside'> &
  Partial<Pick<IngestAnswerFields, 'folded' | 'notices' | 'setAside'>>;

export interface PushOptions {
  /** Server base URL, e.g. http://127.0.0.1:8080 */
  server: string;
  zone: string;
  /** The whole batch (plain or gzip); sent again as it is on retries. */
  body: Uint8Array;
  /** Idempotency key: retries and later pushes of the same batch must use the same one. */
  key: string;
  token?: string;
  format?: string;
  colo?: string;
  /** ndjson field mapping, as for `edgestat ingest --map`. */
  map?: string;
  /** Attempts for connection failures and 503 answers (default 5). */
  attempts?: number;
}

/** The server refused the batch for good (4xx): retrying the same batch cannot help. */
export class PushRejectedError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`);
  }
}

/**
 * Pushes one batch to a running `edgestat serve` and resolves once it is durable.
 * Connection failures and 503 answers are retried with the same Idempotency-Key
 * (honouring Retry-After), so a batch is counted once however often it is sent.
 */
export async function pushBatch(options: PushOptions): Promise<PushAnswer> {
  const url = new URL(`/api/v1/zones/${encodeURIComponent(options.zone)}/logs`, options.server);
  url.searchParams.set('format', options.format ?? 'auto');
  if (options.colo) url.searchParams.set('colo', options.colo);
  if (options.map) url.searchParams.set('map', options.map);
  const headers: Record<string, string> = {
    'content-type': 'application/octet-stream',
    'idempotency-key': options.key,
  };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body: options.body as Uint8Array<ArrayBuffer> });
    } catch (err) {
      if (attempt >= attempts) throw new Error(`cannot reach ${options.server}: ${(err as Error).message}`);
      await sleep(250 * 2 ** attempt);
      continue;
    }
    if (response.ok) return (await response.json()) as PushAnswer;
    const answer = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    const code = answer.error?.code ?? 'error';
    const message = answer.error?.message ?? response.statusText;
    if (response.status !== 503 || attempt >= attempts) throw new PushRejectedError(response.status, code, message);
    await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
  }
}
