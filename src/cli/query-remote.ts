import type { QueryAnswer } from '../model/query.js';
import type { RawStatusQuery } from '../query/params.js';

/** The running server answered with an error: its status, code and message, as the API gave them. */
export class RemoteQueryError extends Error {}

/**
 * Asks a running `edgestat serve` for a status-codes answer, as `edgestat query --json` would
 * print it: the server applies its own rules (tokens, plans), and times relative to its clock.
 */
export async function queryServer(server: string, raw: RawStatusQuery, token?: string): Promise<QueryAnswer> {
  const url = new URL(`/api/v1/zones/${encodeURIComponent(raw.zone)}/status-codes`, server);
  for (const [name, value] of Object.entries(raw)) {
    if (name !== 'zone' && value !== undefined) url.searchParams.set(name, String(value));
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(url, { headers });
  } catch (err) {
    throw new RemoteQueryError(`cannot reach ${server}: ${(err as Error).message}`);
  }
  const body = (await response.json().catch(() => undefined)) as
    | (QueryAnswer & { error?: { code?: string; message?: string } })
    | undefined;
  if (!response.ok || !body) {
    const error = body?.error;
    throw new RemoteQueryError(
      `${server} answered ${response.status} ${error?.code ?? response.statusText}: ${error?.message ?? 'no JSON body'}`,
    );
  }
  return body;
}
