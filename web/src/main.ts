import './style.css';
import { AlertsPanel, type FiringPeriod, firingPeriods } from './alerts.js';
import {
  ApiFailure,
  api,
  type SummaryAnswer,
  serverRunsOpen,
  storedToken,
  type ZoneAnswer,
  type ZoneListAnswer,
} from './api.js';
import { ColoBreakdown } from './colos.js';
import { renderControls } from './controls.js';
import { byId, fill, h } from './dom.js';
import { DriversPanel } from './drivers.js';
import { minute } from './format.js';
import { renderSummary, renderTabs, TAB_INFO } from './groups.js';
import { renderLegend } from './legend.js';
import { LiveUpdates } from './live.js';
import {
  showEmptyRange,
  showFailure,
  showNoData,
  showOpenMode,
  showTokenForm,
  showTruncated,
  showUnknownZone,
} from './notices.js';
import { mergeRecent, type StatusView, toStatusView, visibleSeries } from './series.js';
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

const notice = byId('notice');
const dashboard = byId('dashboard');
// ECharts is most of the page's weight: it loads in its own chunk while the first API answers are on their way.
const chart = import('./chart.js').then(({ StatusChart }) => new StatusChart(byId('chart')));
const table = statusTable(byId('status-table'));
const colos = new ColoBreakdown(byId('colos'), (selected) => change({ colos: selected }));
const drivers = new DriversPanel(byId('drivers-panel'), byId('drivers'), byId('drivers-hint'), (colo) =>
  change({ colos: [colo] }),
);

const alertsPanel = new AlertsPanel(byId('alerts'), byId('alerts-message'), () => void refreshAlerts());
/** The alerts' firing periods in the view's range, shaded on the chart. */
let firing: FiringPeriod[] = [];

let state: ViewState = readState(location.search);
let zones: ZoneListAnswer['zones'] = [];
let zoneInfo: ZoneAnswer | undefined;
let view: StatusView | undefined;
let loading: AbortController | undefined;
const live = new LiveUpdates((since) => void update(since), byId('live'));

/** Applies a change of view: URL first (so it can be shared), then the page. */
function change(patch: Partial<ViewState>): void {
  const needsData = Object.keys(patch).some((key) => key !== 'hidden');
  state = normalize({ ...state, ...patch });
  history.pushState(null, '', writeState(state) || location.pathname);
  if (needsData) void load();
  else void renderCodes();
}

/** Keeps a bucket the range can use (a 1-minute bucket over 30 days is refused). */
function normalize(next: ViewState): ViewState {
  if (next.bucket !== 'auto' && !usableBuckets(rangeSpan(next)).includes(next.bucket))
    return { ...next, bucket: 'auto' };
  return next;
}

const onTab = (tab: Tab) => change({ tab });

function controls(): void {
  renderControls(byId('controls'), state, zones, { change, token: tokenLink });
}
const tokenPrompt = new ApiFailure(401, 'token', 'Enter the token this dashboard should send.');

/** The Token link: a server that answered without a token needs none, and the page says so. */
function tokenLink(): void {
  if (serverRunsOpen() && !storedToken()) {
    // Close puts back what the notice said before (an empty range's help, say).
    const before = [...notice.childNodes];
    showOpenMode(notice, () => notice.replaceChildren(...before));
  } else showTokenForm(notice, tokenPrompt, start);
}

let zoneListing: Promise<ZoneListAnswer['zones']> | undefined;

/** The zone list, asked once per start (listing zones scans the whole store); a failed ask is retried next time. */
function zoneList(): Promise<ZoneListAnswer['zones']> {
  zoneListing ??= api.zones().then(
    (answer) => {
      zones = answer.zones;
      return zones;
    },
    (err: unknown) => {
      zoneListing = undefined;
      throw err;
    },
  );
  return zoneListing;
}

/**
 * Draws the view of the zone the URL names, then loads the zone list for the picker (listing
 * zones scans the whole store, so the first view does not wait for it). Without a zone in the
 * URL the busiest zone is shown; an unknown one is named, with the zones to choose from.
 */
async function start(): Promise<void> {
  fill(notice);
  setBusy(true);
  zoneListing = undefined;
  if (state.zone) {
    await load();
    if (['unauthorized', 'unknown-zone'].includes(document.documentElement.dataset.view ?? '')) return;
  }
  try {
    await zoneList();
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
  if (!state.zone) {
    state = { ...state, zone: [...zones].sort((a, b) => b.requests - a.requests)[0].zone };
    history.replaceState(null, '', writeState(state));
    await load();
  } else {
    controls();
  }
}

/**
 * True when a failure is the server not knowing the view's zone (404, or 400 for a name it
 * refuses) and its zone list agrees; the page then names the zone instead of an error.
 */
async function isUnknownZone(err: unknown): Promise<boolean> {
  if (!(err instanceof ApiFailure) || ![400, 404].includes(err.status) || !state.zone) return false;
  const listed = await zoneList().catch(() => undefined);
  return listed !== undefined && listed.length > 0 && !listed.some((z) => z.zone === state.zone);
}

/**
 * Fetches everything the view shows and draws each part as it arrives; a newer load cancels an
 * older one. `quiet` (live refreshes) keeps the page as it is meanwhile.
 */
async function load(quiet = false): Promise<void> {
  loading?.abort();
  const controller = new AbortController();
  loading = controller;
  const { signal } = controller;
  live.loadStarted();
  controls();
  if (!quiet) {
    setBusy(true);
    setView('loading');
  }
  try {
    const zoneAnswer = zoneInfo?.zone === state.zone ? Promise.resolve(zoneInfo) : api.zone(state.zone, signal);
    // A data center filter needs the entitlement first; without one, everything is asked at once.
    const entitled = state.colos.length ? (await zoneAnswer).features.coloBreakdown : false;
    // One bucket for every panel: each answer's range starts on its boundary, so their totals agree.
    const range = { ...rangeParams(state), bucket: effectiveBucket(state) };
    const colo = entitled ? state.colos.join(',') : undefined;
    const group = state.tab === 'all' ? undefined : state.tab;
    const codes = api.statusCodes(state.zone, { ...range, by: 'status', group, colo }, signal);
    const summary = api.summary(state.zone, { ...range, colo }, signal);
    // A refused zone fails every call: the zone's own answer reports it; the others must not go unhandled.
    for (const call of [codes, summary]) call.catch(() => undefined);
    zoneInfo = await zoneAnswer;
    const coloAnswer = zoneInfo.features.coloBreakdown ? api.colos(state.zone, range, signal) : undefined;
    coloAnswer?.catch(() => undefined);
    const [codesAnswer, summaryAnswer] = await Promise.all([codes, summary]);
    view = toStatusView(codesAnswer);
    if (await render(summaryAnswer, signal)) {
      markFirstRender();
      showTruncated(
        byId('codes-truncated'),
        codesAnswer,
        'rows',
        'They are the first in time order: narrow the range or take a larger bucket to see the rest.',
      );
      // Off the first render's path: asked beside the data centers, shaded once they come.
      const alerts = alertData(signal);
      alerts.catch(() => undefined);
      if (coloAnswer) {
        colos.show(await coloAnswer, state.colos);
        colosAt = Date.now();
      } else colos.planRequired(state.zone, zoneInfo.plan);
      await showDrivers(range, colo, signal);
      await showAlerts(await alerts);
      setView('ready');
    }
  } catch (err) {
    if (signal.aborted) return;
    if (await isUnknownZone(err)) {
      if (signal.aborted) return;
      unknownZone();
    } else fail(err);
  } finally {
    if (loading === controller) {
      setBusy(false);
      loading = undefined;
    }
  }
  // An empty range stays live too: the first requests of a new zone appear as they arrive.
  const showing = ['ready', 'empty'].includes(document.documentElement.dataset.view ?? '');
  live.loadEnded(endsNow(state) && showing ? state.zone : undefined);
}

/** Data centers of a live view are asked again at most this often (they change slowly; the chart follows each minute). */
const LIVE_COLOS_MS = 30_000;
let colosAt = 0;

/**
 * Brings a live view up to date without fetching its whole range again: the status codes of the
 * buckets from the one holding `since` on, the range's summary (a few hundred bytes), and now and
 * then its data centers. Anything unexpected falls back to a full load.
 */
async function update(since: number): Promise<void> {
  const current = view;
  // A load under way fetches everything anyway; a view that is not drawn (empty, failed) needs one.
  if (loading) return;
  if (!current || document.documentElement.dataset.view !== 'ready') return void load(true);
  const controller = new AbortController();
  loading = controller;
  const { signal } = controller;
  live.loadStarted();
  try {
    const bucket = effectiveBucket(state);
    const entitled = zoneInfo?.features.coloBreakdown ?? false;
    const colo = entitled && state.colos.length ? state.colos.join(',') : undefined;
    const group = state.tab === 'all' ? undefined : state.tab;
    const range = { ...rangeParams(state), bucket };
    const from = new Date(Math.max(0, since - (since % current.bucketMs))).toISOString();
    const [recent, summary] = await Promise.all([
      api.statusCodes(state.zone, { from, to: 'now', bucket, by: 'status', group, colo }, signal),
      api.summary(state.zone, { ...range, colo }, signal),
    ]);
    view = mergeRecent(current, toStatusView(recent), Date.parse(summary.from));
    if (await render(summary, signal)) {
      if (Date.now() - colosAt > LIVE_COLOS_MS) {
        colosAt = Date.now();
        if (entitled) colos.show(await api.colos(state.zone, range, signal), state.colos);
        await showDrivers(range, colo, signal);
        await showAlerts(await alertData(signal));
      }
      setView('ready');
    }
  } catch (err) {
    if (signal.aborted) return;
    console.warn('live update failed, loading the view again', err);
    loading = undefined;
    return void load(true);
  } finally {
    if (loading === controller) loading = undefined;
  }
  live.loadEnded(endsNow(state) ? state.zone : undefined);
}

/** Error groups whose tab shows what drives them. */
const DRIVEN_TABS: readonly Tab[] = ['edge', 'origin', '503', '52x'];

/** The data centers and hosts behind the tab's group, against the period before; hidden on other tabs and with a data center filter. */
async function showDrivers(
  range: Record<string, string>,
  colo: string | undefined,
  signal: AbortSignal,
): Promise<void> {
  if (!DRIVEN_TABS.includes(state.tab) || colo) return drivers.hide();
  const answer = await api.drivers(state.zone, { ...range, group: state.tab }, signal);
  drivers.show(answer, TAB_INFO[state.tab].title);
}

/** The zone's rules and their periods in the view's range; undefined when the server refuses them (the view shows without). */
async function alertData(signal?: AbortSignal) {
  try {
    const [rules, periods] = await Promise.all([
      api.alerts(state.zone, signal),
      api.alertPeriods(state.zone, rangeParams(state), signal),
    ]);
    return { rules: rules.rules, periods };
  } catch (err) {
    if (signal?.aborted) throw err;
    console.warn('alert rules not shown', err);
    return undefined;
  }
}

/** The alerts panel, and the periods the chart shades (drawn again only when there are or were some). */
async function showAlerts(data: Awaited<ReturnType<typeof alertData>>): Promise<void> {
  byId('alerts-panel').hidden = !data;
  const shaded = firing.length > 0;
  firing = data ? firingPeriods(data.periods, data.rules) : [];
  if (data) alertsPanel.show(state.zone, data.rules);
  if (shaded || firing.length > 0) await renderCodes();
}

/** After a rule was added or deleted: its list and the chart's shading again. */
async function refreshAlerts(): Promise<void> {
  await showAlerts(await alertData());
}

/** Draws the view; false when the range is empty (then the empty state shows instead) or a newer load took over. */
async function render(summary: SummaryAnswer, signal: AbortSignal): Promise<boolean> {
  document.title = `${state.zone} · status codes · edgestat`;
  renderTabs(byId('tabs'), byId('explanation'), state.tab, onTab);
  renderFilters();
  if (summary.requests === 0) {
    // The time of the zone's latest request is in the zone list, which the first view does not wait for: wait here.
    const listed = await zoneList().catch(() => zones);
    if (signal.aborted) return false;
    const zone = listed.find((z) => z.zone === state.zone);
    dashboard.hidden = true;
    showEmptyRange(notice, state.zone, zone?.lastSeen ?? null, endsNow(state));
    setView('empty');
    return false;
  }
  // The open-mode notice, which the user opened with the Token link, stays until closed (live refreshes too).
  if (!notice.querySelector('[data-opened]')) fill(notice);
  dashboard.hidden = false;
  renderSummary(byId('summary'), summary, state.tab, onTab);
  await renderCodes();
  return true;
}

/** Legend, chart and table: what changes when codes are hidden or shown (no fetch needed). */
async function renderCodes(): Promise<void> {
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
  table.setRows(statusRows(visible, current.partial), true);
  showPartialNote(current);
  byId('csv').onclick = () =>
    download(
      `edgestat-${state.zone}-${state.tab}-${new Date().toISOString().slice(0, 16)}.csv`,
      statusCsv(table.sorted()),
    );
  (await chart).render(current, visible, firing);
}

/** Says under the chart that its last bucket is still filling up, when it is. */
function showPartialNote(current: StatusView): void {
  const note = byId('partial-note');
  note.hidden = current.partial === null || !current.series.length;
  const bucket = current.partial === null ? '' : `The last bucket (from ${minute(current.partial)})`;
  // A live range ends now, inside its last bucket; a past one can end inside it too.
  note.textContent = !bucket
    ? ''
    : endsNow(state)
      ? `${bucket} is not complete yet: its requests are still arriving, so it reads lower than the others.`
      : `${bucket} is cut by the end of the range: it covers only part of its length, so it reads lower than the others.`;
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

/** The view's zone is not one the server has: name it and offer the zones it has (keeping the rest of the view). */
function unknownZone(): void {
  dashboard.hidden = true;
  document.title = 'no such zone · edgestat';
  controls();
  showUnknownZone(notice, state.zone, zones, (zone) => change({ zone }));
  setView('unknown-zone');
}

function fail(err: unknown): void {
  dashboard.hidden = true;
  const unauthorized = err instanceof ApiFailure && err.status === 401;
  if (unauthorized) showTokenForm(notice, err, start);
  else showFailure(notice, err, start);
  setView(unauthorized ? 'unauthorized' : 'error');
}

/** What the page shows, on <html data-view>: loading, ready, empty, no-data, unknown-zone, unauthorized or error (tests wait on it). */
function setView(view: string): void {
  document.documentElement.dataset.view = view;
}

/** Marks when the page first showed a view's summary, chart and table (the data centers may follow). */
function markFirstRender(): void {
  if (!performance.getEntriesByName('edgestat:first-render').length) performance.mark('edgestat:first-render');
}

function setBusy(busy: boolean): void {
  byId('progress').hidden = !busy;
  byId('main').setAttribute('aria-busy', String(busy));
}

window.addEventListener('popstate', () => {
  state = normalize(readState(location.search));
  void load();
});
window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => void renderCodes());

void start();
