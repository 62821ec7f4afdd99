import type { Static } from '@fastify/type-provider-typebox';
import type { QueryAnswer } from '../../src/model/query.js';
import type * as alertSchemas from '../../src/server/alert-schemas.js';
import type * as schemas from '../../src/server/schemas.js';

// The answers' types come from the server's schemas (the ones that validate and document the API):
// a field added there is known here, with no copy to keep in step.
export type { QueryAnswer, QueryRow } from '../../src/model/query.js';
export type ZoneListAnswer = Static<typeof schemas.ZonesAnswer>;
export type ZoneAnswer = Static<typeof schemas.ZoneAnswer>;
export type SummaryAnswer = Static<typeof schemas.SummaryAnswer>;
export type ColosAnswer = Static<typeof schemas.ColosAnswer>;
export type ColoTotals = ColosAnswer['colos'][number];
export type FormatsAnswer = Static<typeof schemas.FormatsAnswer>;
export type DriversAnswer = Static<typeof schemas.DriversAnswer>;
export type AlertRulesAnswer = Static<typeof alertSchemas.AlertRulesAnswer>;
export type AlertRule = AlertRulesAnswer['rules'][number];
export type AlertRuleBody = Static<typeof alertSchemas.AlertRuleBody>;
export type CreatedAlertRule = Static<typeof alertSchemas.CreatedAlertRule>;
export type AlertPeriodsAnswer = Static<typeof alertSchemas.AlertPeriodsAnswer>;
/** A log format the server reads (from its parser registry). */
export type LogFormat = FormatsAnswer['formats'][number];
/** One event of the live stream: the current minute's counts as they stand. */
export type LiveMinute = Static<typeof schemas.LiveMinute>;
/** Set on answers cut at a row limit (see the README's HTTP API section). */
export type Bounded = Pick<ColosAnswer, 'truncated' | 'limit'>;

/** An API call that failed: the HTTP status and the API's error code and message (or what went wrong on the way). */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'edgestat.token';

/** The API token kept in this browser (localStorage), or '' for a server that runs open. */
export function storedToken(): string {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

/** Keeps a token for the next visits; an empty one forgets it. */
export function storeToken(token: string): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

type Params = Record<string, string | undefined>;

function url(path: string, params: Params = {}): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(key, value);
  const text = query.toString().replaceAll('%2C', ',');
  return `api/v1${path}${text ? `?${text}` : ''}`;
}

function headers(): HeadersInit {
  const token = storedToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/**
 * Whether the server answered a request that carried no token: it then runs open (a server with
 * tokens refuses every request without one). Undefined until such an answer, or a refusal, is seen.
 */
let openServer: boolean | undefined;

/** True when the server is known to run open (it answered without a token). */
export function serverRunsOpen(): boolean {
  return openServer === true;
}

/** A change the dashboard asks for: a method and its JSON body. */
interface Change {
  method: 'POST' | 'DELETE';
  body?: unknown;
}

async function getJson<T>(path: string, params?: Params, signal?: AbortSignal, change?: Change): Promise<T> {
  let response: Response;
  const sent = headers();
  try {
    response = await fetch(url(path, params), {
      headers: change?.body === undefined ? sent : { ...sent, 'content-type': 'application/json' },
      signal,
      method: change?.method,
      body: change?.body === undefined ? undefined : JSON.stringify(change.body),
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiFailure(0, 'network', 'the edgestat server did not answer; is `edgestat serve` running?');
  }
  const body = await response.json().catch(() => null);
  if (!('authorization' in sent)) {
    if (response.ok) openServer = true;
    else if (response.status === 401) openServer = false;
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiFailure(response.status, error?.code ?? 'http', error?.message ?? `HTTP ${response.status}`);
  }
  return body as T;
}

const zonePath = (zone: string) => `/zones/${encodeURIComponent(zone)}`;

/** The API the dashboard uses; every read takes an AbortSignal so a newer view cancels an older one. */
export const api = {
  zones: (signal?: AbortSignal) => getJson<ZoneListAnswer>('/zones', {}, signal),
  zone: (zone: string, signal?: AbortSignal) => getJson<ZoneAnswer>(zonePath(zone), {}, signal),
  statusCodes: (zone: string, params: Params, signal?: AbortSignal) =>
    getJson<QueryAnswer>(`${zonePath(zone)}/status-codes`, params, signal),
  summary: (zone: string, params: Params, signal?: AbortSignal) =>
    getJson<SummaryAnswer>(`${zonePath(zone)}/summary`, params, signal),
  colos: (zone: string, params: Params, signal?: AbortSignal) =>
    getJson<ColosAnswer>(`${zonePath(zone)}/colos`, params, signal),
  drivers: (zone: string, params: Params, signal?: AbortSignal) =>
    getJson<DriversAnswer>(`${zonePath(zone)}/drivers`, params, signal),
  formats: (signal?: AbortSignal) => getJson<{ formats: LogFormat[] }>('/formats', {}, signal),
  alerts: (zone: string, signal?: AbortSignal) => getJson<AlertRulesAnswer>(`${zonePath(zone)}/alerts`, {}, signal),
  alertPeriods: (zone: string, params: Params, signal?: AbortSignal) =>
    getJson<AlertPeriodsAnswer>(`${zonePath(zone)}/alerts/periods`, params, signal),
  createAlert: (zone: string, body: AlertRuleBody) =>
    getJson<CreatedAlertRule>(`${zonePath(zone)}/alerts`, {}, undefined, { method: 'POST', body }),
  deleteAlert: (zone: string, id: string) =>
    getJson<null>(`${zonePath(zone)}/alerts/${encodeURIComponent(id)}`, {}, undefined, { method: 'DELETE' }),
};

/**
 * Follows the zone's live stream (Server-Sent Events). It reads the stream with fetch rather
 * than EventSource so that it can send the bearer token. Reconnects after a pause until aborted.
 */
export async function followLive(
  zone: string,
  onMinute: (m: LiveMinute) => void,
  signal: AbortSignal,
  onOpen?: () => void,
): Promise<void> {
  while (!signal.aborted) {
    try {
      // Only which minute changed: the page fetches the few buckets it shows for it.
      const response = await fetch(url(`${zonePath(zone)}/live`, { rows: 'none' }), {
        headers: { ...headers(), accept: 'text/event-stream' },
        signal,
      });
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      onOpen?.();
      await readEvents(response.body, (data) => onMinute(JSON.parse(data) as LiveMinute));
    } catch (err) {
      if (signal.aborted) return;
      console.warn('live stream interrupted, reconnecting', err);
    }
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

/** Calls `onData` with the data of each event of a text/event-stream body. */
async function readEvents(body: ReadableStream<Uint8Array>, onData: (data: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    for (let end = /\r?\n\r?\n/.exec(buffer); end; end = /\r?\n\r?\n/.exec(buffer)) {
      const block = buffer.slice(0, end.index);
      buffer = buffer.slice(end.index + end[0].length);
      const data = block
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n');
      if (data) onData(data);
    }
  }
}
