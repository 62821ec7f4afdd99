import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger } from 'fastify';
import { hasColoBreakdown } from '../../model/plans.js';
import type { Dimension } from '../../model/query.js';
import { VISITOR } from '../../model/request-source.js';
import { MINUTE_MS } from '../../rollup/rollup.js';
import type { Store } from '../../stores/store.js';
import type { LiveBus, ZoneChange } from '../live-bus.js';
import { errorAnswers, LiveQuery, ZoneParams } from '../schemas.js';

/** Minutes this old still get live updates when late data arrives for them. */
const RECENT_MINUTES = 5;
/** Changes within this window are sent as one update. */
const COALESCE_MS = 100;
/** A comment line this often keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;
/** Rows in one minute event at most (data stored before the ingest caps can hold a colo per request); flagged `truncated`. */
export const MAX_LIVE_ROWS = 10_000;

export interface LiveRouteOptions {
  store: Store;
  bus: LiveBus;
  pollMs: number;
  now: () => number;
}

/** One open live view: sends a `minute` event whenever a recent minute of its zone changes. */
class LiveView {
  private readonly sent = new Map<number, string>();
  private readonly due = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private sending = Promise.resolve();
  private closed = false;

  constructor(
    private readonly out: ServerResponse,
    private readonly zone: string,
    private readonly by: Dimension[],
    private readonly options: LiveRouteOptions,
    private readonly log: FastifyBaseLogger,
    /** Send only the minute that changed, not its rows: for clients that fetch what they show themselves. */
    private readonly minutesOnly: boolean,
  ) {}

  currentMinute(): number {
    const now = this.options.now();
    return now - (now % MINUTE_MS);
  }

  /** Schedules an update of these minutes (those recent enough), coalescing bursts of ingests. */
  touch(minutes: number[]): void {
    const oldest = this.currentMinute() - RECENT_MINUTES * MINUTE_MS;
    for (const minute of minutes) if (minute >= oldest) this.due.add(minute);
    if (this.due.size > 0 && !this.timer && !this.closed) {
      this.timer = setTimeout(() => this.flush(), COALESCE_MS);
    }
  }

  private flush(): void {
    this.timer = undefined;
    const minutes = [...this.due].sort((a, b) => a - b);
    this.due.clear();
    this.sending = this.sending
      .then(() => this.send(minutes))
      .catch((err: Error) => {
        // The browser reconnects (retry: 2000); the operator needs to know why the stream ended.
        this.log.warn({ err, zone: this.zone }, 'live view ended: the store failed to answer');
        this.out.destroy(err);
      });
  }

  /** Re-queries each minute and sends it if it differs from what this view last got. */
  private async send(minutes: number[]): Promise<void> {
    const current = this.currentMinute();
    for (const minute of minutes) {
      if (this.closed) return;
      const rows = await this.options.store.aggregate({
        zone: this.zone,
        from: minute,
        to: minute + MINUTE_MS,
        bucketSeconds: 60,
        by: this.by,
        requestSources: [VISITOR],
        limit: MAX_LIVE_ROWS + 1,
      });
      const truncated = rows.length > MAX_LIVE_ROWS;
      if (truncated) rows.length = MAX_LIVE_ROWS;
      const data = JSON.stringify({
        t: new Date(minute).toISOString(),
        ...(truncated ? { truncated: true, limit: MAX_LIVE_ROWS } : {}),
        rows: rows.map(({ t: _t, ...row }) => row),
      });
      if (this.sent.get(minute) === data) continue;
      this.sent.set(minute, data);
      const sent = this.minutesOnly ? JSON.stringify({ t: new Date(minute).toISOString() }) : data;
      this.out.write(`event: minute\nid: ${minute}\ndata: ${sent}\n\n`);
    }
    for (const minute of this.sent.keys()) if (minute < current - RECENT_MINUTES * MINUTE_MS) this.sent.delete(minute);
  }

  heartbeat(): void {
    this.out.write(': keep-alive\n\n');
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.out.end();
  }
}

/** `GET /api/v1/zones/{zone}/live`: Server-Sent Events with the current minute as data arrives. */
export const liveRoutes: FastifyPluginAsyncTypebox<LiveRouteOptions> = async (app, options) => {
  const views = new Set<LiveView>();
  app.addHook('preClose', async () => {
    for (const view of views) view.close();
  });

  app.get(
    '/api/v1/zones/:zone/live',
    {
      config: { access: { scope: 'analytics:read' } },
      schema: {
        summary: 'Server-Sent Events: `minute` events with the current minute per status, group (and data center)',
        description:
          'Each event is `event: minute` with data `{ t, rows: [{ status, group, colo, requests, bytes }] }` (colo only on plans with the data center breakdown; at most 10,000 rows, with `truncated: true, limit` when cut). Sent at once for the current minute, then whenever a committed ingest or the periodic re-query changes a recent minute.',
        tags: ['live'],
        params: ZoneParams,
        querystring: LiveQuery,
        response: { 200: { description: 'text/event-stream', type: 'string' }, ...errorAnswers(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { zone } = request.params;
      const plan = await options.store.zonePlan(zone);
      const by: Dimension[] = hasColoBreakdown(plan) ? ['status', 'group', 'colo'] : ['status', 'group'];
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      out.write('retry: 2000\n\n');
      const view = new LiveView(out, zone, by, options, request.log, request.query.rows === 'none');
      views.add(view);
      const onChange = (change: ZoneChange) => {
        if (change.zone === zone) view.touch(change.minutes);
      };
      const unsubscribe = options.bus.subscribe(onChange);
      // Data written by other processes (a ClickHouse store, another ingest) only shows through re-queries.
      const poll = setInterval(() => view.touch([view.currentMinute()]), options.pollMs);
      const heartbeat = setInterval(() => view.heartbeat(), HEARTBEAT_MS);
      view.touch([view.currentMinute()]);
      out.on('close', () => {
        unsubscribe();
        clearInterval(poll);
        clearInterval(heartbeat);
        views.delete(view);
        view.close();
      });
    },
  );
};
