import { AIRPORTS } from './airports.js';
import type { ColoTotals } from './api.js';
import { h } from './dom.js';
import { count, percent } from './format.js';

type WorldMap = typeof import('./world-map.js');
type Chart = ReturnType<WorldMap['echarts']['init']>;

/** The airport code a data center is named after: `FRA56-P4` → FRA, `fra` → FRA. */
export const airportOf = (colo: string) => colo.slice(0, 3).toUpperCase();

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** Share of a data center's requests that were errors of any group, in %. */
const errorRate = (c: ColoTotals) =>
  c.requests ? ((c.groups.edge + c.groups.origin + c.groups['503'] + c.groups['52x']) / c.requests) * 100 : 0;

/**
 * A world map of the data centers: one point each, sized by requests; the ones whose error
 * rate is twice the zone's stand out by color and shape. Clicking a point toggles it in the
 * data center filter, like its checkbox in the table (which stays the keyboard way to do it).
 * The map and ECharts' geo parts load only for zones that have the breakdown.
 */
export class ColoMap {
  private chart?: Chart;
  private loading?: Promise<WorldMap>;
  private shown = 0;

  constructor(
    private readonly element: HTMLElement,
    private readonly onToggle: (colo: string) => void,
  ) {}

  async show(colos: ColoTotals[], selected: string[]): Promise<void> {
    const call = ++this.shown;
    const placed = colos.filter((c) => AIRPORTS[airportOf(c.colo)]);
    this.element.dataset.colos = placed.map((c) => c.colo).join(',');
    this.element.hidden = placed.length === 0;
    this.element.setAttribute(
      'aria-label',
      `Map of data centers: ${placed.map((c) => `${c.colo} ${count(c.requests)} requests`).join(', ')}`,
    );
    if (placed.length === 0) return;
    this.loading ??= import('./world-map.js');
    const { echarts } = await this.loading;
    if (call !== this.shown) return;
    if (!this.chart) {
      const chart = echarts.init(this.element, undefined, { renderer: 'canvas' });
      // A hidden map (an error view hides the dashboard) has no size, which ECharts' geo layout fails on.
      new ResizeObserver(() => {
        if (this.element.clientWidth > 0) chart.resize();
      }).observe(this.element);
      chart.on('click', (event) => this.onToggle(String(event.name)));
      this.chart = chart;
    }
    const total = colos.reduce((sum, c) => sum + c.requests, 0);
    const overall = total ? colos.reduce((sum, c) => sum + errorRate(c) * c.requests, 0) / total : 0;
    const most = Math.max(...placed.map((c) => c.requests));
    const standsOut = (c: ColoTotals) => errorRate(c) >= 0.1 && errorRate(c) >= 2 * overall;
    this.chart.setOption(
      {
        animation: false,
        tooltip: {
          trigger: 'item',
          confine: true,
          backgroundColor: cssVar('--surface'),
          borderColor: cssVar('--grid'),
          textStyle: { color: cssVar('--text') },
          // Elements, not an HTML string: the data center's name is text from the logs.
          formatter: (p: { data: { totals: ColoTotals } }) => {
            const c = p.data.totals;
            return h(
              'div',
              { class: 'tip' },
              h('strong', {}, c.colo),
              h('div', {}, `${count(c.requests)} requests`),
              h('div', {}, `${percent(errorRate(c))} errors`),
            );
          },
        },
        geo: {
          map: 'world',
          silent: true,
          roam: false,
          left: 0,
          right: 0,
          top: 4,
          bottom: 4,
          itemStyle: { areaColor: cssVar('--grid'), borderColor: cssVar('--grid') },
        },
        series: [
          {
            type: 'scatter',
            coordinateSystem: 'geo',
            data: placed.map((c) => ({
              name: c.colo,
              value: [...AIRPORTS[airportOf(c.colo)], c.requests],
              totals: c,
              symbol: standsOut(c) ? 'diamond' : 'circle',
              symbolSize: 7 + 23 * Math.sqrt(c.requests / most),
              itemStyle: {
                color: standsOut(c) ? cssVar('--danger') : cssVar('--accent'),
                opacity: selected.length && !selected.includes(c.colo) ? 0.35 : 0.85,
                borderColor: cssVar('--text'),
                borderWidth: selected.includes(c.colo) ? 2 : 0,
              },
            })),
          },
        ],
      },
      true,
    );
    // Where each point landed, in CSS pixels of the element: what a click at a data center hits.
    const points = Object.fromEntries(
      placed.map((c) => [c.colo, this.chart?.convertToPixel({ geoIndex: 0 }, [...AIRPORTS[airportOf(c.colo)]])]),
    );
    this.element.dataset.points = JSON.stringify(points);
  }
}
