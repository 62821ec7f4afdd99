import { BarChart, LineChart } from 'echarts/charts';
import {
  DatasetComponent,
  GridComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TooltipComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { FiringPeriod } from './alerts.js';
import { h } from './dom.js';
import { count, minute, percent, short } from './format.js';
import { statusColor } from './palette.js';
import type { Point, StatusSeries, StatusView } from './series.js';

echarts.use([
  BarChart,
  LineChart,
  DatasetComponent,
  GridComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TooltipComponent,
  CanvasRenderer,
]);

/** Up to this many buckets the chart draws bars; beyond, stacked areas read better. */
const MAX_BARS = 180;

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** The stacked status-codes chart: one series per visible code. */
export class StatusChart {
  private readonly chart: echarts.ECharts;

  constructor(private readonly element: HTMLElement) {
    this.chart = echarts.init(element, undefined, { renderer: 'canvas' });
    new ResizeObserver(() => this.chart.resize()).observe(element);
  }

  /** Draws the visible series over every bucket of the view, and shades the alerts' firing periods. */
  render(view: StatusView, visible: StatusSeries[], firing: readonly FiringPeriod[] = []): void {
    const bars = view.buckets.length <= MAX_BARS;
    const text = cssVar('--muted');
    const grid = cssVar('--grid');
    this.chart.setOption(
      {
        animation: false,
        grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
        tooltip: {
          trigger: 'axis',
          confine: true,
          backgroundColor: cssVar('--surface'),
          borderColor: grid,
          textStyle: { color: cssVar('--text') },
          axisPointer: { type: bars ? 'shadow' : 'line' },
          formatter: (params: unknown) => this.tooltip(params as { axisValue: number }[], visible, view),
        },
        xAxis: {
          type: 'time',
          min: view.buckets[0],
          max: (view.buckets.at(-1) ?? 0) + view.bucketMs,
          axisLabel: { color: text, hideOverlap: true },
          axisLine: { lineStyle: { color: grid } },
        },
        yAxis: {
          type: 'value',
          axisLabel: { color: text, formatter: (v: number) => short(v) },
          splitLine: { lineStyle: { color: grid } },
        },
        // One shared table (bucket, then a column per code) is much cheaper for ECharts than a data array per series.
        dataset: {
          dimensions: ['t', ...visible.map((s) => String(s.status))],
          source: view.buckets.map((t) => [
            // Bars sit in the middle of their bucket; lines at its start.
            bars ? t + view.bucketMs / 2 : t,
            ...visible.map((s) => s.points.get(t)?.requests ?? 0),
          ]),
        },
        series: [
          ...visible.map((s, i) => ({
            id: String(s.status),
            name: String(s.status),
            encode: { x: 't', y: String(s.status) },
            type: bars ? 'bar' : 'line',
            stack: 'requests',
            color: statusColor(s.status),
            barCategoryGap: '15%',
            showSymbol: false,
            symbol: 'none',
            // No line on a stacked area: a line has a width of its own, so the topmost series (often a
            // rare code) would cover the stack's edge and a share under 1 % would look like a band.
            lineStyle: { width: 0 },
            areaStyle: bars ? undefined : { opacity: 0.85 },
            emphasis: { disabled: true },
            ...(i === visible.length - 1 ? partialMarks(view, text) : {}),
          })),
          ...(firing.length ? [firingMarks(view, firing)] : []),
        ],
      },
      { notMerge: true },
    );
    const all = this.chart.getOption().series as {
      id: string;
      name: string;
      type: string;
      lineStyle?: { width?: number };
      areaStyle?: object;
      markArea?: { data: [{ xAxis: number; name: string }, { xAxis: number }][] };
    }[];
    const drawn = all.filter((s) => s.id !== FIRING_ID);
    // The shaded periods as ECharts holds them, for tests: rule name, start and end (ISO).
    const shaded = all.find((s) => s.id === FIRING_ID)?.markArea?.data ?? [];
    this.element.dataset.firing = JSON.stringify(
      shaded.map(([from, to]) => [from.name, new Date(from.xAxis).toISOString(), new Date(to.xAxis).toISOString()]),
    );
    this.element.dataset.codes = drawn.map((s) => s.name).join(',');
    // What ECharts holds, for tests: each series' kind, line width and whether its area is filled.
    this.element.dataset.series = JSON.stringify(
      drawn.map((s) => ({
        name: s.name,
        type: s.type,
        lineWidth: s.lineStyle?.width ?? null,
        area: !!s.areaStyle,
      })),
    );
    this.element.dataset.partial = view.partial === null ? '' : new Date(view.partial).toISOString();
  }

  /** Clears the chart, e.g. for an empty range. */
  clear(): void {
    this.chart.clear();
    this.element.dataset.codes = '';
    this.element.dataset.partial = '';
  }

  /** The axis tooltip, built as elements (ECharts takes them as they are): no markup from strings. */
  private tooltip(params: { axisValue: number }[], visible: StatusSeries[], view: StatusView): HTMLElement | string {
    if (!params.length) return '';
    // Bars sit at bucket middles, so floor the axis value to its bucket's start.
    const first = view.buckets[0] ?? 0;
    const bucket = first + Math.floor((params[0].axisValue - first) / view.bucketMs) * view.bucketMs;
    const lines = visible
      .map((s) => ({ status: s.status, point: s.points.get(bucket) }))
      .filter((line): line is { status: number; point: Point } => (line.point?.requests ?? 0) > 0)
      .sort((a, b) => b.point.requests - a.point.requests)
      .map(({ status, point }) =>
        h(
          'tr',
          {},
          h('td', {}, h('span', { class: 'swatch', style: `background:${statusColor(status)}` }), String(status)),
          h('td', { class: 'num' }, count(point.requests)),
          h('td', { class: 'num' }, percent(point.percent)),
        ),
      );
    const body = lines.length ? lines : h('tr', {}, h('td', { colspan: 3 }, 'no requests'));
    const partial = bucket === view.partial ? h('div', { class: 'muted' }, 'partial bucket: not complete') : null;
    const head = h('tr', {}, h('th'), h('th', {}, 'requests'), h('th', {}, '% of all'));
    return h('div', { class: 'tip' }, h('strong', {}, minute(bucket)), partial, h('table', {}, head, body));
  }
}

const FIRING_ID = 'alert-firing';

/**
 * A series with no data of its own that shades when alerts fired, clipped to the view (a period
 * still firing runs to its end). The rule's name is drawn on the canvas, never as markup.
 */
function firingMarks(view: StatusView, firing: readonly FiringPeriod[]): object {
  const min = view.buckets[0] ?? 0;
  const max = (view.buckets.at(-1) ?? 0) + view.bucketMs;
  return {
    id: FIRING_ID,
    name: FIRING_ID,
    type: 'line',
    data: [],
    markArea: {
      silent: true,
      itemStyle: { color: cssVar('--danger'), opacity: 0.15 },
      label: { position: 'insideTop', color: cssVar('--danger'), fontSize: 11 },
      data: firing
        .filter((p) => p.start < max && (p.end ?? max) > min)
        .map((p) => [{ name: p.name, xAxis: Math.max(min, p.start) }, { xAxis: Math.min(max, p.end ?? max) }]),
    },
  };
}

/**
 * Shades the last bucket when it is not complete (it holds `now`, or the range ends inside it), and
 * labels it: its lower count is requests still arriving, not a drop in traffic. The label line keeps
 * it visible in dense views, where one bucket is narrower than a pixel.
 */
function partialMarks(view: StatusView, text: string): object {
  if (view.partial === null) return {};
  const start = view.partial;
  const end = start + view.bucketMs;
  return {
    markArea: {
      silent: true,
      itemStyle: { color: cssVar('--partial'), opacity: 0.6 },
      data: [[{ xAxis: start }, { xAxis: end }]],
    },
    markLine: {
      silent: true,
      symbol: 'none',
      lineStyle: { color: text, type: 'dashed', width: 1 },
      label: { formatter: 'partial', position: 'insideEndTop', color: text },
      data: [{ xAxis: start }],
    },
  };
}
