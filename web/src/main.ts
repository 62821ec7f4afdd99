import './style.css';
import {
  ApiFailure,
  api,
  type ColosAnswer,
  followLive,
  type SummaryAnswer,
  type ZoneAnswer,
  type ZoneListAnswer,
} from './api.js';
import { StatusChart } from './chart.js';
import { ColoBreakdown } from './colos.js';
import { renderControls } from './controls.js';
import { byId, fill, h } from './dom.js';
import { renderSummary, renderTabs, TAB_INFO } from './groups.js';
import { renderLegend } from './legend.js';
import { showEmptyRange, showFailure, showNoData, showTokenForm } from './notices.js';
import { type StatusView, toStatusView, visibleSeries } from './series.js';
import {
  effectiveBucket,
  endsNow,
  rangeParams,
  rangeSpan,
  readState,
  type Tab,
  usableBuckets,
  type ViewState,
  writeState,
} from './state.js';
import { download, statusCsv, statusRows, statusTable } from './status-table.js';

/** Live views refresh at most this often, however fast data arrives. */
const LIVE_REFRESH_MS = 2000;
/** A live range slides forward this often even when no data arrives. */
const SLIDE_MS = 60_000;

const notice = byId('notice');
const dashboard = byId('dashboard');
const chart = new StatusChart(byId('chart'));
const table = statusTable(byId('status-table'));
const colos = new ColoBreakdown(byId('colos'), (selected) => change({ colos: selected }));

let state: ViewState = readState(location.search);
let zones: ZoneListAnswer['zones'] = [];
let zoneInfo: ZoneAnswer | undefined;
let view: StatusView | undefined;
let loading: AbortController | undefined;
let lastLoad = 0;
let refreshTimer: number | undefined;
let live: { zone: string; stop: AbortController } | undefined;

/** Applies a change of view: URL first (so it can be shared), then the page. */
function change(patch: Partial<ViewState>): void {
  const needsData = Object.keys(patch).some((key) => key !== 'hidden');
  state = normalize({ ...state, ...patch });
  history.pushState(null, '', writeState(state) || location.pathname);
  if (needsData) void load();
  else renderCodes();
}

/** Keeps a bucket the range can use (a 1-minute bucket over 30 days is refused). */
function normalize(next: ViewState): ViewState {
  if (next.bucket !== 'auto' && !usableBuckets(rangeSpan(next)).includes(next.bucket))
    return { ...next, bucket: 'auto' };
  return next;
}

const onTab = (tab: Tab) => change({ tab });

function controls(): void {
  renderControls(byId('controls'), state, zones, { change, token: () => showTokenForm(notice, tokenPrompt, start) });
}
const tokenPrompt = new ApiFailure(401, 'token', 'Enter the token this dashboard should send.');

/** Loads the zone list, picks a zone, then the view. */
async function start(): Promise<void> {
  fill(notice);
  setBusy(true);
  try {
    zones = (await api.zones()).zones;
  } catch (err) {
    setBusy(false);
    return fail(err);
  }
  if (!zones.length) {
    setBusy(false);
    dashboard.hidden = true;
    fill(byId('controls'));
    setView('no-data');
    return showNoData(notice);
  }
  if (!zones.some((z) => z.zone === state.zone)) {
    state = { ...state, zone: [...zones].sort((a, b) => b.requests - a.requests)[0].zone };
    history.replaceState(null, '', writeState(state));
  }
  await load();
}

/** Fetches everything the view shows; a newer load cancels an older one. `quiet` keeps the page as it is meanwhile. */
async function load(quiet = false): Promise<void> {
  loading?.abort();
  const controller = new AbortController();
  loading = controller;
  const { signal } = controller;
  clearTimeout(refreshTimer);
  lastLoad = Date.now();
  controls();
  if (!quiet) {
    setBusy(true);
    setView('loading');
  }
  try {
    if (zoneInfo?.zone !== state.zone) zoneInfo = await api.zone(state.zone, signal);
    const byColo = zoneInfo.features.coloBreakdown;
    const range = rangeParams(state);
    const colo = byColo && state.colos.length ? state.colos.join(',') : undefined;
    const group = state.tab === 'all' ? undefined : state.tab;
    const bucket = effectiveBucket(state);
    const [codes, summary, coloAnswer] = await Promise.all([
      api.statusCodes(state.zone, { ...range, bucket, by: 'status', group, colo }, signal),
      api.summary(state.zone, { ...range, colo }, signal),
      byColo ? api.colos(state.zone, range, signal) : Promise.resolve(undefined),
    ]);
    view = toStatusView(codes);
    render(summary, coloAnswer);
  } catch (err) {
    if (signal.aborted) return;
    fail(err);
  } finally {
    if (loading === controller) {
      setBusy(false);
      loading = undefined;
    }
  }
  followIfLive();
}

function render(summary: SummaryAnswer, coloAnswer: ColosAnswer | undefined): void {
  document.title = `${state.zone} · status codes · edgestat`;
  renderTabs(byId('tabs'), byId('explanation'), state.tab, onTab);
  renderFilters();
  const zone = zones.find((z) => z.zone === state.zone);
  if (summary.requests === 0) {
    dashboard.hidden = true;
    showEmptyRange(notice, state.zone, zone?.lastSeen ?? null);
    setView('empty');
    return;
  }
  fill(notice);
  dashboard.hidden = false;
  renderSummary(byId('summary'), summary, state.tab, onTab);
  renderCodes();
  if (coloAnswer) colos.show(coloAnswer.colos, state.colos);
  else colos.planRequired(state.zone, zoneInfo?.plan ?? 'free');
  setView('ready');
}

/** Legend, chart and table: what changes when codes are hidden or shown (no fetch needed). */
function renderCodes(): void {
  if (!view) return;
  const current = view;
  const visible = visibleSeries(current, state.hidden);
  renderLegend(byId('legend'), current.series, state.hidden, {
    toggle: (status) =>
      change({
        hidden: state.hidden.includes(status) ? state.hidden.filter((s) => s !== status) : [...state.hidden, status],
      }),
    showAll: () => change({ hidden: [] }),
  });
  const empty = byId('chart-empty');
  empty.hidden = visible.length > 0;
  empty.textContent = current.series.length
    ? 'Every code is hidden: press a code in the legend to show it again.'
    : `No ${TAB_INFO[state.tab].title.toLowerCase()} in this range.`;
  chart.render(current, visible);
  table.setRows(statusRows(visible), true);
  byId('csv').onclick = () =>
    download(
      `edgestat-${state.zone}-${state.tab}-${new Date().toISOString().slice(0, 16)}.csv`,
      statusCsv(table.sorted()),
    );
}

/** The data center filter as removable chips (or why it does not apply). */
function renderFilters(): void {
  const element = byId('filters');
  if (!state.colos.length) {
    fill(element);
    return;
  }
  if (!zoneInfo?.features.coloBreakdown) {
    fill(
      element,
      h('span', { class: 'muted' }, `Data center filter ignored: the ${zoneInfo?.plan} plan does not include it.`),
    );
    return;
  }
  fill(
    element,
    h('span', { class: 'muted' }, 'Data centers:'),
    state.colos.map((c) =>
      h(
        'span',
        { class: 'chip', 'data-colo': c },
        c,
        h(
          'button',
          {
            type: 'button',
            'aria-label': `Remove ${c}`,
            onclick: () => change({ colos: state.colos.filter((x) => x !== c) }),
          },
          '×',
        ),
      ),
    ),
    h('button', { type: 'button', class: 'link', onclick: () => change({ colos: [] }) }, 'Clear'),
  );
}

/** Follows the live stream while the range ends now; each update refreshes the view (throttled). */
function followIfLive(): void {
  const wanted = endsNow(state) && !dashboard.hidden ? state.zone : undefined;
  byId('live').hidden = !wanted;
  if (live && live.zone !== wanted) {
    live.stop.abort();
    live = undefined;
  }
  if (wanted && !live) {
    const stop = new AbortController();
    live = { zone: wanted, stop };
    void followLive(wanted, scheduleRefresh, stop.signal);
  }
  if (wanted && !refreshTimer) refreshTimer = window.setTimeout(() => load(true), SLIDE_MS);
}

function scheduleRefresh(): void {
  if (loading) return;
  clearTimeout(refreshTimer);
  refreshTimer = window.setTimeout(() => load(true), Math.max(0, lastLoad + LIVE_REFRESH_MS - Date.now()));
}

function fail(err: unknown): void {
  dashboard.hidden = true;
  const unauthorized = err instanceof ApiFailure && err.status === 401;
  if (unauthorized) showTokenForm(notice, err, start);
  else showFailure(notice, err, start);
  setView(unauthorized ? 'unauthorized' : 'error');
}

/** What the page shows, on <html data-view>: loading, ready, empty, no-data, unauthorized or error (tests wait on it). */
function setView(view: string): void {
  document.documentElement.dataset.view = view;
  if (view === 'ready' && !performance.getEntriesByName('edgestat:first-render').length) {
    performance.mark('edgestat:first-render');
  }
}

function setBusy(busy: boolean): void {
  byId('progress').hidden = !busy;
  byId('main').setAttribute('aria-busy', String(busy));
}

window.addEventListener('popstate', () => {
  state = normalize(readState(location.search));
  void load();
});
window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => renderCodes());

void start();
