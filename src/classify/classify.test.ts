import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyRequest, type NormalizedRequest } from '../model/request.js';
import { classify, displayStatus, ruleFor, sourceOf } from './classify.js';
import { type Group, RULES, type Source } from './rules.js';

function request(fields: Partial<NormalizedRequest>): NormalizedRequest {
  return { ...emptyRequest(), ts: Date.UTC(2026, 10, 24), zone: 'example.com', host: 'example.com', ...fields };
}

/** Passed through from the origin: the edge sent what the origin sent. */
const fromOrigin = (status: number) => request({ edgeStatus: status, originStatus: status });
/** Generated at the edge: the origin was not asked, or answered something else. */
const fromEdge = (status: number, extra: Partial<NormalizedRequest> = {}) => request({ edgeStatus: status, ...extra });

interface Case {
  name: string;
  req: NormalizedRequest;
  status: number;
  group: Group;
  source: Source;
}

// Every bullet of the product page's error lists, with the group it belongs to.
const PRODUCT_PAGE: Case[] = [
  {
    name: 'edge 400: bad request intercepted at the edge',
    req: fromEdge(400),
    status: 400,
    group: 'edge',
    source: 'edge',
  },
  { name: 'edge 403: security functionality (WAF)', req: fromEdge(403), status: 403, group: 'edge', source: 'edge' },
  {
    name: 'edge 403: most 1xxx error codes (1020 access denied)',
    req: fromEdge(403, { edgeErrorCode: 1020 }),
    status: 403,
    group: 'edge',
    source: 'edge',
  },
  {
    name: 'edge 409: DNS error 1000',
    req: fromEdge(409, { edgeErrorCode: 1000 }),
    status: 409,
    group: 'edge',
    source: 'edge',
  },
  {
    name: 'edge 409: DNS error 1001',
    req: fromEdge(530, { edgeErrorCode: 1001 }),
    status: 409,
    group: 'edge',
    source: 'edge',
  },
  { name: 'edge 413: upload too large', req: fromEdge(413), status: 413, group: 'edge', source: 'edge' },
  { name: 'edge 444: nginx closed the connection', req: fromEdge(444), status: 444, group: 'edge', source: 'edge' },
  { name: 'edge 499: client closed the connection', req: fromEdge(499), status: 499, group: 'edge', source: 'edge' },
  { name: 'edge 429: rate limiting at the edge', req: fromEdge(429), status: 429, group: 'edge', source: 'edge' },
  {
    name: 'origin 400: origin rejected the syntax',
    req: fromOrigin(400),
    status: 400,
    group: 'origin',
    source: 'origin',
  },
  {
    name: 'origin 404: only a 404 the origin produced',
    req: fromOrigin(404),
    status: 404,
    group: 'origin',
    source: 'origin',
  },
  { name: 'edge 404 is not an origin 404', req: fromEdge(404), status: 404, group: 'edge', source: 'edge' },
  { name: 'origin 4xx (410)', req: fromOrigin(410), status: 410, group: 'origin', source: 'origin' },
  { name: 'origin 50x (500)', req: fromOrigin(500), status: 500, group: 'origin', source: 'origin' },
  { name: 'origin 50x (502)', req: fromOrigin(502), status: 502, group: 'origin', source: 'origin' },
  { name: 'origin 50x (504)', req: fromOrigin(504), status: 504, group: 'origin', source: 'origin' },
  { name: 'origin 503 passed through', req: fromOrigin(503), status: 503, group: '503', source: 'origin' },
  {
    name: 'edge 503 for a WebSocket rate limit',
    req: fromEdge(503, { wsRateLimited: true }),
    status: 503,
    group: '503',
    source: 'edge',
  },
  { name: '520: unexpected origin answer', req: fromEdge(520), status: 520, group: '52x', source: 'edge' },
  { name: '521: origin refused', req: fromEdge(521), status: 521, group: '52x', source: 'edge' },
  { name: '522: TCP connect to origin failed', req: fromEdge(522), status: 522, group: '52x', source: 'edge' },
  { name: '523: origin unreachable', req: fromEdge(523), status: 523, group: '52x', source: 'edge' },
  { name: '524: connected, no HTTP response in time', req: fromEdge(524), status: 524, group: '52x', source: 'edge' },
  { name: '525: TLS handshake failed', req: fromEdge(525), status: 525, group: '52x', source: 'edge' },
  { name: '526: invalid origin certificate', req: fromEdge(526), status: 526, group: '52x', source: 'edge' },
  { name: '527: railgun error', req: fromEdge(527), status: 527, group: '52x', source: 'edge' },
  {
    name: 'nginx 504 caused by a connect timeout shows as 522',
    req: fromEdge(504, { cause: 522 }),
    status: 522,
    group: '52x',
    source: 'edge',
  },
  {
    name: 'nginx 502 with no valid header shows as 520',
    req: fromEdge(502, { cause: 520 }),
    status: 520,
    group: '52x',
    source: 'edge',
  },
  {
    name: 'edge 502 is excluded from error analytics',
    req: fromEdge(502),
    status: 502,
    group: 'excluded',
    source: 'edge',
  },
  {
    name: 'edge 503 is excluded from error analytics',
    req: fromEdge(503),
    status: 503,
    group: 'excluded',
    source: 'edge',
  },
  {
    name: 'edge 504 is excluded from error analytics',
    req: fromEdge(504),
    status: 504,
    group: 'excluded',
    source: 'edge',
  },
  {
    name: 'edge 503 after an origin 500 is the edge’s own',
    req: request({ edgeStatus: 503, originStatus: 500 }),
    status: 503,
    group: 'excluded',
    source: 'edge',
  },
  { name: 'origin 200 is success', req: fromOrigin(200), status: 200, group: 'success', source: 'origin' },
  { name: 'edge 301 (redirect rule) is success', req: fromEdge(301), status: 301, group: 'success', source: 'edge' },
  { name: 'cached 304 is success', req: fromEdge(304), status: 304, group: 'success', source: 'edge' },
  { name: 'edge 500 is an edge error', req: fromEdge(500), status: 500, group: 'edge', source: 'edge' },
];

describe('classify: the product page', () => {
  for (const c of PRODUCT_PAGE) {
    it(`${c.name} → ${c.status} ${c.group} (${c.source})`, () => {
      assert.deepEqual(classify(c.req), { status: c.status, group: c.group, source: c.source });
    });
  }
});

describe('classify: the rules table', () => {
  // One request per row that this row, and no row above it, must decide.
  const witnesses: Record<string, NormalizedRequest> = {
    'below-400': fromOrigin(204),
    'origin-503': fromOrigin(503),
    'origin-4xx-5xx': fromOrigin(451),
    'edge-52x': fromEdge(522),
    'edge-503-websocket': fromEdge(503, { wsRateLimited: true }),
    'edge-502-504': fromEdge(504),
    'edge-4xx': fromEdge(418),
    'edge-other-5xx': fromEdge(505),
  };

  it('has a witness for every row', () => {
    assert.deepEqual(Object.keys(witnesses).sort(), RULES.map((r) => r.name).sort());
  });

  for (const rule of RULES) {
    it(`row ${rule.name} decides its witness as ${rule.group}`, () => {
      const req = witnesses[rule.name];
      const decided = ruleFor({ status: displayStatus(req), source: sourceOf(req), wsRateLimited: req.wsRateLimited });
      assert.equal(decided?.name, rule.name);
      assert.equal(classify(req).group, rule.group);
    });
  }

  it('covers every status from 100 to 599 for both sources', () => {
    for (let status = 100; status <= 599; status++) {
      for (const source of ['edge', 'origin'] as const) {
        assert.ok(ruleFor({ status, source, wsRateLimited: false }), `no rule for ${source} ${status}`);
      }
    }
  });
});

describe('classify: display status and source', () => {
  it('shows DNS 1xxx codes as 409 and every other 1xxx code as 403', () => {
    for (const code of [1000, 1001, 1002, 1003, 1004, 1014, 1016, 1018]) {
      assert.equal(displayStatus(fromEdge(403, { edgeErrorCode: code })), 409, String(code));
    }
    for (const code of [1006, 1007, 1008, 1010, 1012, 1015, 1020, 1025]) {
      assert.equal(displayStatus(fromEdge(403, { edgeErrorCode: code })), 403, String(code));
    }
  });

  it('calls a status origin only when the edge passed the origin status through', () => {
    assert.equal(sourceOf(fromOrigin(404)), 'origin');
    assert.equal(sourceOf(request({ edgeStatus: 404, originStatus: 200 })), 'edge');
    assert.equal(sourceOf(fromEdge(404)), 'edge');
    assert.equal(sourceOf(request({ edgeStatus: 502, originStatus: 502, cause: 520 })), 'edge');
  });
});
