import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from '../classify/classify.js';
import type { NormalizedRequest } from '../model/request.js';
import { cloudflareParser } from './cloudflare.js';
import { normalizePathing, PATHING, SECURITY_ACTIONS } from './cloudflare-pathing.js';
import { parseOne } from './testing.js';

const parser = cloudflareParser({});

/** One Logpush line; the origin status equals the client's, as if the origin had answered the same. */
function line(status: number, fields: Record<string, string>): NormalizedRequest {
  const text = JSON.stringify({
    EdgeStartTimestamp: '2026-11-24T10:00:00Z',
    EdgeResponseStatus: status,
    OriginResponseStatus: status,
    ZoneName: 'example.com',
    ...fields,
  });
  return parseOne(parser, text) as NormalizedRequest;
}

type Shown = [status: number, group: string, source: string];
const EDGE_409: Shown = [409, 'edge', 'edge'];
const EDGE_403: Shown = [403, 'edge', 'edge'];
const ORIGIN_404: Shown = [404, 'origin', 'origin'];

// Cloudflare's pathing reference, row by row: [src, op, status, status the client got, what the views show].
// A `*` source or status stands for any (the reference leaves it empty).
const REFERENCE: Array<[string, string, string, number, Shown]> = [
  // Errors: the reference's status code column (409 or 403).
  ['err', 'errHost', 'cyclic', 403, EDGE_403],
  ['err', 'errHost', 'dnsErr', 409, EDGE_409],
  ['err', 'errHost', 'reservedIp', 403, EDGE_403],
  ['err', 'errHost', 'reservedIp6', 403, EDGE_403],
  ['err', 'errHost', 'badHost', 403, EDGE_403],
  ['err', 'errHost', 'noExistingHost', 409, EDGE_409],
  // User-based actions: blocked (403) or allowed (the origin answers).
  ...['Asnum', 'ip', 'ipr24', 'ipr16', 'ip6', 'ip6r64', 'ip6r48', 'ip6r32', 'ctry'].flatMap(
    (s): Array<[string, string, string, number, Shown]> => [
      ['user', 'ban', s, 403, EDGE_403],
      ['user', 'wl', s, 404, ORIGIN_404],
    ],
  ),
  // Firewall rules (the reference gives no source).
  ['*', 'ban', 'filterBasedFirewall', 403, EDGE_403],
  ['*', 'wl', 'filterBasedFirewall', 404, ORIGIN_404],
  ['user', 'ban', 'zl', 403, EDGE_403],
  ['user', 'ban', 'ua', 403, EDGE_403],
  ['bic', 'ban', '*', 403, EDGE_403],
  ['hot', 'ban', '*', 403, EDGE_403],
  ['protect', 'ban', 'l7ddos', 403, EDGE_403],
  // IP reputation: every allowlisted path goes on to the origin.
  ...['nr', 'wl', 'scan', 'mon', 'bak', 'mob', 'se', 'grey', 'badOk', 'unknown'].map(
    (s): [string, string, string, number, Shown] => ['macro', 'wl', s, 404, ORIGIN_404],
  ),
  // Rate limiting: the edge's own answer with its own status (429).
  ['user', 'ban', 'rateLimit', 429, [429, 'edge', 'edge']],
  ['user', 'simulate', 'rateLimit', 404, ORIGIN_404],
  // Special cases.
  ['skip', 'wl', 'aoCrawl', 404, ORIGIN_404],
  ['skip', 'wl', 'cdnjs', 404, [404, 'edge', 'edge']],
  ['forced', '*', '*', 403, EDGE_403],
  // Threat Analytics labels.
  ['bic', 'ban', 'unknown', 403, EDGE_403],
  ['hot', 'ban', 'unknown', 403, EDGE_403],
  ['hot', 'ban', 'ip', 403, EDGE_403],
  ['macro', 'ban', 'ip', 403, EDGE_403],
  // As Logpush lines carry them: the product as the source.
  ['filterBasedFirewall', 'ban', 'nr', 403, EDGE_403],
  ['filterBasedFirewall', 'wl', 'nr', 404, ORIGIN_404],
  ['rateLimit', 'ban', 'nr', 429, [429, 'edge', 'edge']],
  // Not in the reference: another host error or ban is still the edge's page.
  ['err', 'errHost', 'somethingNew', 403, EDGE_403],
  ['err', 'errHost', 'nr', 409, EDGE_409],
  ['tor', 'ban', 'nr', 403, EDGE_403],
];

const fieldsOf = (src: string, op: string, status: string): Record<string, string> => ({
  ...(src === '*' ? { EdgePathingSrc: 'user' } : { EdgePathingSrc: src }),
  ...(op === '*' ? { EdgePathingOp: 'wl' } : { EdgePathingOp: op }),
  ...(status === '*' ? { EdgePathingStatus: '' } : { EdgePathingStatus: status }),
});

describe('Cloudflare pathing: who answered, one test per documented row', () => {
  for (const [src, op, status, client, shown] of REFERENCE) {
    it(`${src}.${op}.${status} (client got ${client}) → shown ${shown[0]}, ${shown[1]}, ${shown[2]}`, () => {
      const r = line(client, fieldsOf(src, op, status));
      const c = classify(r);
      assert.deepEqual([c.status, c.group, c.source], shown);
    });
  }

  it('every row of the pathing table has a test above', () => {
    const tested = REFERENCE.map(([src, op, status]) =>
      [src, op, status].map((v) => (v === '*' ? '*' : normalizePathing(v))),
    );
    for (const row of PATHING) {
      const want = [row.src, row.op, row.status].map((v) => (v === undefined ? '*' : normalizePathing(v)));
      assert.ok(
        tested.some((t) => t.every((v, i) => v === want[i] || (want[i] === '*' && i !== 1))),
        `${row.section}: ${want.join('.')}`,
      );
    }
  });

  it("reads the reference's snake_case spelling like Logpush's camelCase", () => {
    const c = classify(line(409, { EdgePathingSrc: 'err', EdgePathingOp: 'err_host', EdgePathingStatus: 'dns_err' }));
    assert.deepEqual([c.status, c.group], [409, 'edge']);
  });

  it('lines without pathing fields keep their statuses (the origin’s 404 stays the origin’s)', () => {
    const c = classify(line(404, {}));
    assert.deepEqual([c.status, c.group, c.source], ORIGIN_404);
  });

  it('a 409 page for a host error shows 409 even when the client got another status', () => {
    const c = classify(line(530, { EdgePathingSrc: 'err', EdgePathingOp: 'errHost', EdgePathingStatus: 'dnsErr' }));
    assert.deepEqual([c.status, c.group], [409, 'edge']);
  });
});

// Cloudflare's SecurityAction values: [value, the edge answered itself].
const ACTIONS: Array<[string, boolean]> = [
  ['unknown', false],
  ['allow', false],
  ['block', true],
  ['challenge', true],
  ['jschallenge', true],
  ['log', false],
  ['connectionClose', true],
  ['challengeSolved', false],
  ['challengeFailed', true],
  ['challengeBypassed', false],
  ['jschallengeSolved', false],
  ['jschallengeFailed', true],
  ['jschallengeBypassed', false],
  ['bypass', false],
  ['managedChallenge', true],
  ['managedChallengeNonInteractiveSolved', false],
  ['managedChallengeInteractiveSolved', false],
  ['managedChallengeBypassed', false],
  ['rewrite', false],
  ['forceConnectionClose', true],
  ['skip', false],
];

describe('Cloudflare SecurityAction: one test per documented value', () => {
  for (const [action, edge] of ACTIONS) {
    it(`${action} → ${edge ? "the edge's own answer" : 'the origin’s answer passes'}`, () => {
      // A passing pathing (macro.wl.nr): only the security action can say the edge answered.
      const status = edge ? 403 : 404;
      const r = line(status, {
        EdgePathingSrc: 'macro',
        EdgePathingOp: 'wl',
        EdgePathingStatus: 'nr',
        SecurityAction: action,
      });
      const c = classify(r);
      assert.deepEqual(
        [c.status, c.group, c.source, r.edgeErrorCode],
        edge ? [403, 'edge', 'edge', 0] : [404, 'origin', 'origin', 0],
      );
    });
  }

  it('every documented value has a test above', () => {
    assert.deepEqual(ACTIONS.map(([a]) => a).sort(), Object.keys(SECURITY_ACTIONS).sort());
  });

  it('a block with the rule’s own status keeps it (429), an unknown action passes', () => {
    const limited = classify(line(429, { SecurityAction: 'block' }));
    const unknown = classify(line(404, { SecurityAction: 'somethingNew' }));
    assert.deepEqual([limited.status, limited.group, unknown.group], [429, 'edge', 'origin']);
  });
});
