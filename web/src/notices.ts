import { ApiFailure, api, type Bounded, type LogFormat, storedToken, storeToken, type ZoneListAnswer } from './api.js';
import { fill, h } from './dom.js';
import { count } from './format.js';

const command = (text: string) => h('pre', {}, h('code', {}, text));

let formats: Promise<LogFormat[]> | undefined;

/**
 * The formats the server reads, as a list filled in when the server's answer arrives: the
 * server's parser registry is the one list, so a new format shows here without a change to the page.
 */
function formatList(): HTMLElement {
  const list = h('ul', { class: 'formats', 'data-formats': '' });
  formats ??= api.formats().then((answer) => answer.formats);
  formats.then(
    (known) =>
      fill(
        list,
        known.map((f) => h('li', { 'data-format': f.name }, h('code', {}, f.name), `: ${f.description}`)),
      ),
    () => {
      formats = undefined;
      fill(list, h('li', {}, h('code', {}, 'edgestat ingest --help'), ' lists them'));
    },
  );
  return list;
}

/** How to get data in, shown wherever there is none yet. */
function ingestHelp(zone: string): Node[] {
  const origin = location.origin + location.pathname.replace(/\/[^/]*$/, '');
  return [
    h('p', {}, 'Ingest access logs from a file, plain or gzip, in any format this server reads:'),
    formatList(),
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

/** The Token link on a server that answers without a token: there is nothing to enter. */
export function showOpenMode(element: HTMLElement, onClose: () => void): void {
  fill(
    element,
    h(
      'div',
      { class: 'notice', role: 'note', 'data-state': 'open', 'data-opened': '' },
      h('h2', {}, 'This server runs open: no token is needed'),
      h(
        'p',
        {},
        'It has no API tokens, so it answers this browser without one (an open server listens on this machine only).',
      ),
      h(
        'p',
        {},
        'Once a token is created on it, it asks every client for one, and this link is where the dashboard takes it:',
      ),
      command("edgestat token create --name dashboard --scope analytics:read --zone '*'"),
      h('button', { type: 'button', onclick: onClose }, 'Close'),
    ),
  );
}

/** How many zones the unknown-zone notice offers at most (the picker has them all). */
const ZONES_OFFERED = 50;

/** A zone the server has neither data nor a plan for: say so, and offer the zones it has, busiest first. */
export function showUnknownZone(
  element: HTMLElement,
  zone: string,
  zones: ZoneListAnswer['zones'],
  choose: (zone: string) => void,
): void {
  const busiest = [...zones].sort((a, b) => b.requests - a.requests || a.zone.localeCompare(b.zone));
  const offered = busiest.slice(0, ZONES_OFFERED);
  fill(
    element,
    h(
      'div',
      { class: 'notice', role: 'alert', 'data-state': 'unknown-zone' },
      h('h2', {}, `No zone ${zone}`),
      h(
        'p',
        {},
        zones.length
          ? 'This server has no requests and no plan for a zone of that name. Choose one of its zones:'
          : 'This server has no zones yet.',
      ),
      h(
        'ul',
        { class: 'zone-choices' },
        offered.map((z) =>
          h(
            'li',
            {},
            h('button', { type: 'button', class: 'link', 'data-zone': z.zone, onclick: () => choose(z.zone) }, z.zone),
            ` ${z.plan}, ${count(z.requests)} ${z.requests === 1 ? 'request' : 'requests'}`,
          ),
        ),
      ),
      busiest.length > offered.length
        ? h('p', { class: 'muted' }, `and ${count(busiest.length - offered.length)} more in the Zone picker.`)
        : null,
    ),
  );
}

/**
 * Says that an answer was cut at the server's row limit (or clears the element): without it a cut
 * answer would read as the whole. `what` names the rows ("data centers"), `rest` how to see them.
 */
export function showTruncated(element: HTMLElement, answer: Bounded, what: string, rest: string): void {
  element.hidden = !answer.truncated;
  fill(
    element,
    answer.truncated
      ? h(
          'div',
          { class: 'notice truncated', role: 'note', 'data-state': 'truncated' },
          h('strong', {}, `Showing ${count(answer.limit ?? 0)} ${what} only`),
          ` (the server's limit for one answer). ${rest}`,
        )
      : null,
  );
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
