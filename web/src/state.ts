import { BUCKETS, type BucketName } from '../../src/model/query.js';
import { autoBucket } from '../../src/query/time.js';

/** The ranges the picker offers; `custom` takes `from` and `to`. */
export const RANGES = {
  '30m': { label: '30 min', ms: 30 * 60_000 },
  '6h': { label: '6 h', ms: 6 * 3_600_000 },
  '24h': { label: '24 h', ms: 24 * 3_600_000 },
  '7d': { label: '7 d', ms: 7 * 86_400_000 },
  '30d': { label: '30 d', ms: 30 * 86_400_000 },
} as const;
export type RangeName = keyof typeof RANGES | 'custom';

/** The tabs: all requests, then the error groups of the product page. */
export const TABS = ['all', 'edge', 'origin', '503', '52x'] as const;
export type Tab = (typeof TABS)[number];

/** More buckets than this make a chart nobody can read (and a slow one). */
export const MAX_CHART_BUCKETS = 3000;

/** Everything a view is made of; the URL holds all of it so a view can be shared and reloaded. */
export interface ViewState {
  zone: string;
  range: RangeName;
  /** Custom range only: ISO 8601 start, and end or `now`. */
  from: string;
  to: string;
  bucket: BucketName | 'auto';
  tab: Tab;
  hidden: number[];
  colos: string[];
}

export const DEFAULT_STATE: ViewState = {
  zone: '',
  range: '24h',
  from: '',
  to: 'now',
  bucket: 'auto',
  tab: 'all',
  hidden: [],
  colos: [],
};

const list = (value: string | null) => (value ? value.split(',').filter(Boolean) : []);
const isOneOf = <T extends string>(options: readonly T[], value: string | null): value is T =>
  value !== null && (options as readonly string[]).includes(value);

/** Reads a view from a URL query string; anything unknown falls back to its default. */
export function readState(search: string): ViewState {
  const p = new URLSearchParams(search);
  const range = p.get('range');
  const bucket = p.get('bucket');
  const tab = p.get('tab');
  const state: ViewState = {
    ...DEFAULT_STATE,
    zone: p.get('zone') ?? '',
    range: isOneOf([...Object.keys(RANGES), 'custom'] as RangeName[], range) ? range : DEFAULT_STATE.range,
    bucket: isOneOf(['auto', ...Object.keys(BUCKETS)] as (BucketName | 'auto')[], bucket) ? bucket : 'auto',
    tab: isOneOf(TABS, tab) ? tab : 'all',
    hidden: list(p.get('hide'))
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0),
    colos: list(p.get('colo')),
  };
  if (state.range === 'custom') {
    state.from = p.get('from') ?? '';
    state.to = p.get('to') ?? 'now';
    if (Number.isNaN(Date.parse(state.from)) || (state.to !== 'now' && Number.isNaN(Date.parse(state.to)))) {
      state.range = DEFAULT_STATE.range;
    }
  }
  return state;
}

/** Writes a view as a URL query string, leaving out defaults so shared links stay short. */
export function writeState(state: ViewState): string {
  const p = new URLSearchParams();
  if (state.zone) p.set('zone', state.zone);
  if (state.range !== DEFAULT_STATE.range) p.set('range', state.range);
  if (state.range === 'custom') {
    p.set('from', state.from);
    p.set('to', state.to);
  }
  if (state.bucket !== 'auto') p.set('bucket', state.bucket);
  if (state.tab !== 'all') p.set('tab', state.tab);
  if (state.hidden.length) p.set('hide', [...state.hidden].sort((a, b) => a - b).join(','));
  if (state.colos.length) p.set('colo', state.colos.join(','));
  const text = p.toString().replaceAll('%2C', ',');
  return text ? `?${text}` : '';
}

/** The API's `from` and `to` for a view: relative for the presets, so the server's clock decides `now`. */
export function rangeParams(state: ViewState): { from: string; to: string } {
  if (state.range === 'custom') return { from: state.from, to: state.to };
  return { from: `-${state.range}`, to: 'now' };
}

/** Span of the view in ms, for choosing buckets. */
export function rangeSpan(state: ViewState, now = Date.now()): number {
  if (state.range !== 'custom') return RANGES[state.range].ms;
  const to = state.to === 'now' ? now : Date.parse(state.to);
  return Math.max(0, to - Date.parse(state.from));
}

/** True when the range ends now, so live updates belong in it. */
export function endsNow(state: ViewState): boolean {
  return state.range !== 'custom' || state.to === 'now';
}

/** The bucket the view asks for: the chosen one, or the server's automatic choice for the span. */
export function effectiveBucket(state: ViewState, now = Date.now()): BucketName {
  if (state.bucket !== 'auto') return state.bucket;
  return autoBucket(0, rangeSpan(state, now));
}

/** Buckets that make sense for a span: at least 2 and at most MAX_CHART_BUCKETS of them. */
export function usableBuckets(span: number): BucketName[] {
  const names = Object.keys(BUCKETS) as BucketName[];
  const usable = names.filter((b) => {
    const count = span / (BUCKETS[b] * 1000);
    return count <= MAX_CHART_BUCKETS && count >= 2;
  });
  return usable.length ? usable : [autoBucket(0, span)];
}
