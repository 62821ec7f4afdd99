/**
 * Who answered a Cloudflare request, from its pathing fields (EdgePathingSrc,
 * EdgePathingOp, EdgePathingStatus) and its SecurityAction, as one table of data.
 */

/**
 * What a row says about the response the client got:
 * - `dns`: a DNS or host-ownership error page of the edge (shown as 409);
 * - `block`: another 1xxx-style block page of the edge (shown as 403);
 * - `host`: a host error the reference does not list: a DNS error when the client got 409, else a block;
 * - `edge`: the edge answered itself (rate limit, challenge, closed connection): its status stands;
 * - `onward`: the request went on to the cache or the origin: the logged statuses decide.
 */
export type Verdict = 'dns' | 'block' | 'host' | 'edge' | 'onward';

export interface PathingRow {
  /** The kind of check, as Cloudflare's pathing reference groups them. */
  section: string;
  /** EdgePathingSrc; undefined matches any. */
  src?: string;
  /** EdgePathingOp; undefined matches any. */
  op?: string;
  /** EdgePathingStatus; undefined matches any (the reference leaves it empty). */
  status?: string;
  verdict: Verdict;
  description: string;
}

/**
 * Logpush writes the values in camelCase (`errHost`, `dnsErr`) while Cloudflare's reference
 * tables spell some in snake_case (`err_host`, `dns_err`): both are compared without
 * underscores and case.
 */
export const normalizePathing = (value: string): string => value.replace(/_/g, '').toLowerCase();

const USER_LISTS = ['asnum', 'ip', 'ipr24', 'ipr16', 'ip6', 'ip6r64', 'ip6r48', 'ip6r32', 'ctry'];
const MACRO_ALLOWED: Array<[string, string]> = [
  ['nr', 'no reputation data for the IP, no action taken'],
  ['wl', 'IP explicitly allowlisted'],
  ['scan', 'allowlisted security scanner'],
  ['mon', 'allowlisted monitoring service'],
  ['bak', 'allowlisted backup service'],
  ['mob', 'allowlisted mobile proxy service'],
  ['se', 'allowlisted search engine crawler'],
  ['grey', 'greylisted IP, but a favicon or security off: allowed'],
  ['bad_ok', 'bad reputation or TOR, but a favicon, security off or an accepted threat score: allowed'],
  ['unknown', 'unknown pathing status, processed as normal'],
];

/**
 * Every documented pathing combination, first match wins. Host errors show as the status
 * the reference gives them (409 for DNS and ownership errors, else 403); bans are the
 * edge's block pages (403); a rate-limit ban keeps the status the client got (429 unless
 * the rule says otherwise), since the product page counts it as the edge's 429.
 */
export const PATHING: readonly PathingRow[] = [
  { section: 'errors', op: 'errHost', status: 'cyclic', verdict: 'block', description: 'Cloudflare loop' },
  { section: 'errors', op: 'errHost', status: 'dnsErr', verdict: 'dns', description: 'unable to resolve' },
  {
    section: 'errors',
    op: 'errHost',
    status: 'reservedIp',
    verdict: 'block',
    description: 'DNS points to a local or disallowed IP',
  },
  {
    section: 'errors',
    op: 'errHost',
    status: 'reservedIp6',
    verdict: 'block',
    description: 'DNS points to a local or disallowed IPv6 address',
  },
  { section: 'errors', op: 'errHost', status: 'badHost', verdict: 'block', description: 'bad or no Host header' },
  {
    section: 'errors',
    op: 'errHost',
    status: 'noExistingHost',
    verdict: 'dns',
    description: 'ownership lookup failed: host possibly not on Cloudflare',
  },
  ...USER_LISTS.map(
    (status): PathingRow => ({
      section: 'user-based actions',
      src: 'user',
      op: 'ban',
      status,
      verdict: 'block',
      description: `blocked by an IP access rule (${status})`,
    }),
  ),
  ...USER_LISTS.map(
    (status): PathingRow => ({
      section: 'user-based actions',
      src: 'user',
      op: 'wl',
      status,
      verdict: 'onward',
      description: `allowed by an IP access rule (${status})`,
    }),
  ),
  {
    section: 'firewall rules',
    op: 'ban',
    status: 'filterBasedFirewall',
    verdict: 'block',
    description: 'blocked by a firewall rule',
  },
  {
    section: 'firewall rules',
    op: 'wl',
    status: 'filterBasedFirewall',
    verdict: 'onward',
    description: 'allowed by a firewall rule',
  },
  {
    section: 'zone lockdown',
    src: 'user',
    op: 'ban',
    status: 'zl',
    verdict: 'block',
    description: 'zone lockdown applied',
  },
  {
    section: 'user-agent block',
    src: 'user',
    op: 'ban',
    status: 'ua',
    verdict: 'block',
    description: 'blocked user agent',
  },
  { section: 'rate limiting', src: 'user', op: 'ban', status: 'rateLimit', verdict: 'edge', description: 'dropped' },
  {
    section: 'rate limiting',
    src: 'user',
    op: 'simulate',
    status: 'rateLimit',
    verdict: 'onward',
    description: 'rate limit simulated (allowlisted)',
  },
  {
    section: 'browser integrity check',
    src: 'bic',
    op: 'ban',
    verdict: 'block',
    description: 'blocked request',
  },
  { section: 'hot linking', src: 'hot', op: 'ban', verdict: 'block', description: 'blocked hotlink' },
  {
    section: 'L7 DDoS mitigation',
    src: 'protect',
    op: 'ban',
    status: 'l7ddos',
    verdict: 'block',
    description: 'blocked request',
  },
  { section: 'IP reputation', src: 'macro', op: 'ban', verdict: 'block', description: 'bad IP' },
  ...MACRO_ALLOWED.map(
    ([status, description]): PathingRow => ({
      section: 'IP reputation',
      src: 'macro',
      op: 'wl',
      status,
      verdict: 'onward',
      description,
    }),
  ),
  {
    section: 'special cases',
    src: 'skip',
    op: 'wl',
    status: 'ao_crawl',
    verdict: 'onward',
    description: 'Always Online crawler request',
  },
  {
    section: 'special cases',
    src: 'skip',
    op: 'wl',
    status: 'cdnjs',
    verdict: 'edge',
    description: 'request for a cdnjs resource, served by Cloudflare',
  },
  {
    section: 'special cases',
    src: 'forced',
    verdict: 'edge',
    description: "a challenge forced by Cloudflare's special headers (any operation)",
  },
  // Logpush lines also carry the product as the source (`filterBasedFirewall`, `rateLimit`, ...).
  {
    section: 'sources in logs',
    src: 'filterBasedFirewall',
    op: 'ban',
    verdict: 'block',
    description: 'blocked by a firewall rule',
  },
  {
    section: 'sources in logs',
    src: 'filterBasedFirewall',
    op: 'wl',
    verdict: 'onward',
    description: 'allowed by a firewall rule',
  },
  { section: 'sources in logs', src: 'rateLimit', op: 'ban', verdict: 'edge', description: 'dropped by rate limiting' },
  // Values the reference does not list: any other host error or ban is still the edge's page.
  { section: 'fallback', op: 'errHost', verdict: 'host', description: 'another host error' },
  { section: 'fallback', op: 'ban', verdict: 'block', description: 'another ban' },
];

/** Every documented SecurityAction: challenges, blocks and closed connections are the edge's own answer. */
export const SECURITY_ACTIONS: Readonly<Record<string, { verdict: Verdict; description: string }>> = {
  unknown: { verdict: 'onward', description: 'no other action' },
  allow: { verdict: 'onward', description: 'bypass all subsequent rules' },
  block: { verdict: 'edge', description: 'blocked with 403 or the 4xx the rule chose' },
  challenge: { verdict: 'edge', description: 'interactive challenge issued' },
  jschallenge: { verdict: 'edge', description: 'non-interactive (JS) challenge issued' },
  log: { verdict: 'onward', description: 'logged only' },
  connectionClose: { verdict: 'edge', description: 'connection closed' },
  challengeSolved: { verdict: 'onward', description: 'allowed once the interactive challenge was solved' },
  challengeFailed: { verdict: 'edge', description: 'blocked after an invalid challenge solve' },
  challengeBypassed: { verdict: 'onward', description: 'challenge not issued again (valid clearance)' },
  jschallengeSolved: { verdict: 'onward', description: 'allowed once the JS challenge was solved' },
  jschallengeFailed: { verdict: 'edge', description: 'dropped after a failed JS challenge' },
  jschallengeBypassed: { verdict: 'onward', description: 'JS challenge not issued (passed before)' },
  bypass: { verdict: 'onward', description: 'bypass all subsequent firewall rules' },
  managedChallenge: { verdict: 'edge', description: 'managed challenge issued' },
  managedChallengeNonInteractiveSolved: { verdict: 'onward', description: 'managed challenge solved, non-interactive' },
  managedChallengeInteractiveSolved: { verdict: 'onward', description: 'managed challenge solved, interactive' },
  managedChallengeBypassed: { verdict: 'onward', description: 'managed challenge not presented (clearance)' },
  rewrite: { verdict: 'onward', description: 'request rewritten' },
  forceConnectionClose: { verdict: 'edge', description: 'connection closed' },
  skip: { verdict: 'onward', description: 'some rules skipped' },
};

/**
 * 1xxx codes that stand for the edge's error pages: Logpush does not log the page's own
 * number, so one code per class is recorded (1001 DNS resolution error, shown as 409;
 * 1020 access denied, shown as 403).
 */
export const EDGE_DNS_ERROR_CODE = 1001;
export const EDGE_BLOCK_ERROR_CODE = 1020;

const rowKey = (op: string | undefined, src: string | undefined, status: string | undefined) =>
  `${op === undefined ? '*' : normalizePathing(op)}|${src === undefined ? '*' : normalizePathing(src)}|${status === undefined ? '*' : normalizePathing(status)}`;
const ROWS = new Map<string, Verdict>();
for (const row of PATHING) {
  const key = rowKey(row.op, row.src, row.status);
  if (!ROWS.has(key)) ROWS.set(key, row.verdict);
}
const ACTIONS = new Map(Object.entries(SECURITY_ACTIONS).map(([name, { verdict }]) => [name.toLowerCase(), verdict]));

/** The verdict of the pathing fields: the most specific documented row, `onward` when none matches. */
export function pathingVerdict(src: string, op: string, status: string): Verdict {
  return (
    ROWS.get(rowKey(op, src, status)) ??
    ROWS.get(rowKey(op, src, undefined)) ??
    ROWS.get(rowKey(op, undefined, status)) ??
    ROWS.get(rowKey(op, undefined, undefined)) ??
    ROWS.get(rowKey(undefined, src, undefined)) ??
    'onward'
  );
}

/** The verdict of a SecurityAction; `onward` for values the reference does not list. */
export function securityVerdict(action: string): Verdict {
  return ACTIONS.get(action.toLowerCase()) ?? 'onward';
}

/** The request's verdict: the pathing fields first (they name the error page), then the security action. */
export function whoAnswered(src: string, op: string, status: string, action: string): Verdict {
  const pathing = op === '' && src === '' ? 'onward' : pathingVerdict(src, op, status);
  if (pathing !== 'onward') return pathing;
  return action === '' ? 'onward' : securityVerdict(action);
}
