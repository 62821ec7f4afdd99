import { ApiFailure, storedToken, storeToken } from './api.js';
import { fill, h } from './dom.js';

const command = (text: string) => h('pre', {}, h('code', {}, text));

/** How to get data in, shown wherever there is none yet. */
function ingestHelp(zone: string): Node[] {
  const origin = location.origin + location.pathname.replace(/\/[^/]*$/, '');
  return [
    h('p', {}, 'Ingest access logs from a file (nginx, Cloudflare Logpush, NDJSON; plain or gzip):'),
    command(`edgestat ingest --zone ${zone} /var/log/nginx/access.log`),
    h('p', {}, 'or push them to this server:'),
    command(
      `curl -X POST --data-binary @access.log \\\n  -H "Authorization: Bearer $EDGESTAT_TOKEN" \\\n  '${origin}/api/v1/zones/${zone}/logs?format=auto'`,
    ),
    h('p', {}, 'or look around with generated traffic first: ', h('code', {}, 'edgestat demo')),
  ];
}

/** No zone has any data: the first-run screen. */
export function showNoData(element: HTMLElement): void {
  fill(
    element,
    h(
      'div',
      { class: 'notice', 'data-state': 'no-data' },
      h('h2', {}, 'No data yet'),
      h('p', {}, 'This edgestat store has no requests. Once logs are ingested, their status codes show here.'),
      ingestHelp('example.com'),
    ),
  );
}

/** The zone has no requests in the chosen range. */
export function showEmptyRange(element: HTMLElement, zone: string, lastSeen: string | null, live: boolean): void {
  fill(
    element,
    h(
      'div',
      { class: 'notice', 'data-state': 'empty-range' },
      h('h2', {}, `No requests for ${zone} in this range`),
      lastSeen
        ? h(
            'p',
            {},
            `The latest request was at ${new Date(lastSeen).toLocaleString()}: choose a longer range to see it.`,
          )
        : h('p', {}, 'This zone has no requests yet.'),
      live ? h('p', { class: 'live' }, 'This view is live: requests show here as they arrive.') : null,
      ingestHelp(zone),
    ),
  );
}

/** A 401: the server needs a token, which this form keeps in the browser and sends as a bearer token. */
export function showTokenForm(element: HTMLElement, failure: ApiFailure, onSaved: () => void): void {
  const input = h('input', {
    type: 'password',
    id: 'token',
    name: 'token',
    autocomplete: 'off',
    placeholder: 'es_…',
    value: storedToken(),
  });
  const form = h(
    'form',
    {
      class: 'token-form',
      onsubmit: (event: Event) => {
        event.preventDefault();
        storeToken(input.value.trim());
        onSaved();
      },
    },
    h('label', { for: 'token' }, 'API token'),
    input,
    h('button', { type: 'submit' }, 'Use token'),
  );
  fill(
    element,
    h(
      'div',
      { class: 'notice', 'data-state': 'unauthorized' },
      h('h2', {}, 'This server needs an API token'),
      h('p', {}, failure.message),
      h('p', {}, 'Create a read-only token on the server and paste its secret here; it is kept in this browser only:'),
      command("edgestat token create --name dashboard --scope analytics:read --zone '*'"),
      form,
    ),
  );
  input.focus();
}

/** Any other failure: what went wrong, and a retry. */
export function showFailure(element: HTMLElement, err: unknown, onRetry: () => void): void {
  const failure = err instanceof ApiFailure ? err : new ApiFailure(0, 'client', String((err as Error)?.message ?? err));
  const hint =
    failure.status === 0
      ? 'Check that edgestat serve is running and reachable, then retry.'
      : failure.status === 403
        ? 'The token does not allow this zone or view. Use a token for this zone, or pick another zone.'
        : failure.status === 503
          ? 'The server is busy or shutting down; retry in a moment.'
          : 'Retry; if it persists, the server log says more.';
  fill(
    element,
    h(
      'div',
      { class: 'notice error', role: 'alert', 'data-state': 'error' },
      h('h2', {}, failure.status ? `The server answered ${failure.status}` : 'Something went wrong'),
      h('p', {}, failure.message),
      h('p', {}, hint),
      h('button', { type: 'button', onclick: onRetry }, 'Retry'),
    ),
  );
}
