import { closeSync, openSync, writeSync } from 'node:fs';
import { minuteRows, random, type ZoneTraffic } from '../demo/traffic.js';
import { MINUTE_MS, type RollupRow } from '../rollup/rollup.js';

export const BENCH_ZONE = 'shop.example.com';
const HOST = 'www.shop.example.com';
const PATHS = ['/', '/products/4711', '/cart', '/api/v2/stock?sku=4711', '/assets/app.9f8e7d.js', '/img/hero.avif'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
];
const COUNTRIES = ['de', 'gb', 'nl', 'us', 'jp', 'sg', 'fr'];
/** nginx's `combined` plus request and upstream timing and the upstream status, as proxies log it. */
export const NGINX_UPSTREAM_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $upstream_connect_time $upstream_header_time $upstream_response_time $upstream_status';
/** The same format for GoAccess (`%T`: request time in seconds; `%^`: a field it skips). */
export const GOACCESS_UPSTREAM_FORMAT = '%h %^[%d:%t %^] "%r" %s %b "%R" "%u" %T %^ %^ %^ %^';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface GeneratedLogs {
  lines: number;
  bytes: number;
  /** Start and end of the day the requests span (epoch ms). */
  from: number;
  to: number;
}

/**
 * Writes `lines` (about) requests of `minutes` (default one day) ending at `to` in the demo's traffic model (seven
 * data centers with their own daily peaks, every error group, an origin incident in FRA that
 * turns an hour of its traffic into 52x), as Cloudflare Logpush NDJSON with the fields Logpush
 * sends (about 680 bytes a line) and, for the same requests, as nginx `combined` lines and as
 * lines in NGINX_UPSTREAM_FORMAT.
 */
export function generateLogs(
  paths: { cloudflare?: string; nginx?: string; nginxUpstream?: string },
  lines: number,
  to: number = Date.now() - (Date.now() % MINUTE_MS),
  seed = 7,
  minutes = 1440,
): GeneratedLogs {
  const from = to - minutes * MINUTE_MS;
  const traffic: ZoneTraffic = {
    zone: BENCH_ZONE,
    host: HOST,
    perMinute: lines / minutes,
    incidents: [
      {
        colo: 'FRA',
        from: from + Math.floor(minutes * 0.625) * MINUTE_MS,
        to: from + Math.floor(minutes * 0.667) * MINUTE_MS,
      },
    ],
  };
  const rand = random(seed);
  const outputs = [
    paths.cloudflare && new Output(paths.cloudflare, cloudflareLine),
    paths.nginx && new Output(paths.nginx, nginxLine),
    paths.nginxUpstream && new Output(paths.nginxUpstream, nginxUpstreamLine),
  ].filter((o): o is Output => Boolean(o));
  let written = 0;
  for (let minute = from; minute < to; minute += MINUTE_MS) {
    for (const row of minuteRows(traffic, minute, rand)) {
      for (let i = 0; i < row.requests; i++) {
        const request = { row, ts: minute + Math.floor(rand() * MINUTE_MS), n: written++, rand };
        for (const output of outputs) output.add(request);
      }
    }
  }
  const bytes = outputs.reduce((sum, o) => sum + o.close(), 0);
  return { lines: written, bytes, from, to };
}

interface Request {
  row: RollupRow;
  ts: number;
  n: number;
  rand: () => number;
}

/** Lines collected into large writes: generation, not disk calls, should be the cost. */
class Output {
  private readonly fd: number;
  private pending: string[] = [];
  private size = 0;
  private total = 0;

  constructor(
    path: string,
    private readonly format: (r: Request) => string,
  ) {
    this.fd = openSync(path, 'w');
  }

  add(request: Request): void {
    const line = this.format(request);
    this.pending.push(line);
    this.size += line.length + 1;
    if (this.size > 4 * 1024 * 1024) this.flush();
  }

  close(): number {
    this.flush();
    closeSync(this.fd);
    return this.total;
  }

  private flush(): void {
    if (!this.pending.length) return;
    const chunk = Buffer.from(`${this.pending.join('\n')}\n`);
    writeSync(this.fd, chunk);
    this.total += chunk.length;
    this.pending = [];
    this.size = 0;
  }
}

const ip = (n: number) => `198.51.${(n >>> 8) & 255}.${n & 255}`;
const bytesOf = (r: Request) => Math.round((r.row.bytes / r.row.requests) * (0.5 + r.rand()));

function cloudflareLine(r: Request): string {
  const { row, ts, n } = r;
  const duration = 20 + (n % 180);
  return JSON.stringify({
    CacheCacheStatus: row.originStatus ? 'miss' : 'hit',
    CacheResponseBytes: bytesOf(r),
    ClientCountry: COUNTRIES[n % COUNTRIES.length],
    ClientIP: ip(n % 65_536),
    ClientRequestHost: row.host,
    ClientRequestMethod: n % 17 ? 'GET' : 'POST',
    ClientRequestProtocol: 'HTTP/2',
    ClientRequestReferer: 'https://www.shop.example.com/',
    ClientRequestURI: PATHS[n % PATHS.length],
    ClientRequestUserAgent: AGENTS[n % AGENTS.length],
    EdgeColoCode: row.colo,
    EdgeEndTimestamp: new Date(ts + duration).toISOString(),
    EdgeResponseBytes: bytesOf(r),
    EdgeResponseStatus: row.edgeStatus,
    EdgeStartTimestamp: new Date(ts).toISOString(),
    OriginResponseStatus: row.originStatus,
    RayID: (0x8e000000 + n).toString(16).padStart(16, '0'),
    ZoneName: row.zone,
  });
}

const pad = (n: number) => String(n).padStart(2, '0');

function nginxLine(r: Request): string {
  const { row, ts, n } = r;
  const d = new Date(ts);
  const time = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
  const request = `${n % 17 ? 'GET' : 'POST'} ${PATHS[n % PATHS.length]} HTTP/2.0`;
  return `${ip(n % 65_536)} - - [${time}] "${request}" ${row.edgeStatus} ${bytesOf(r)} "https://www.shop.example.com/" "${AGENTS[n % AGENTS.length]}"`;
}

/** The combined line of the request followed by its request time, upstream timings and upstream status. */
function nginxUpstreamLine(r: Request): string {
  const { row, n } = r;
  const ms = 20 + (n % 180);
  const seconds = (ms / 1000).toFixed(3);
  // Answered by the origin: its timings and status; a 52x: connected to nothing; else served at the edge.
  const upstream = row.originStatus
    ? `0.00${n % 10} ${((ms - 2) / 1000).toFixed(3)} ${seconds} ${row.originStatus}`
    : row.edgeStatus >= 520 && row.edgeStatus <= 526
      ? `- - ${seconds} 502`
      : '- - - -';
  return `${nginxLine(r)} ${seconds} ${upstream}`;
}
