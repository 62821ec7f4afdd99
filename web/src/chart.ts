import { BarChart, LineChart } from 'echarts/charts';
import { DatasetComponent, GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { h } from './dom.js';
import { count, minute, percent, short } from './format.js';
import { statusColor } from './palette.js';
import type { Point, StatusSeries, StatusView } from './series.js';

echarts.use([BarChart, LineChart, DatasetComponent, GridComponent, TooltipComponent, CanvasRenderer]);

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

  /** Draws the visible series over every bucket of the view. */
  render(view: StatusView, visible: StatusSeries[]): void {
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
        series: visible.map((s) => ({
          id: String(s.status),
          name: String(s.status),
          encode: { x: 't', y: String(s.status) },
          type: bars ? 'bar' : 'line',
          stack: 'requests',
          color: statusColor(s.status),
          barCategoryGap: '15%',
          showSymbol: false,
          symbol: 'none',
          lineStyle: { width: 1 },
          areaStyle: bars ? undefined : { opacity: 0.85 },
        })),
      },
      { notMerge: true },
    );
    const drawn = (this.chart.getOption().series as { name: string }[]).map((s) => s.name);
    this.element.dataset.codes = drawn.join(',');
  }

  /** Clears the chart, e.g. for an empty range. */
  clear(): void {
    this.chart.clear();
    this.element.dataset.codes = '';
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
    const head = h('tr', {}, h('th'), h('th', {}, 'requests'), h('th', {}, '% of all'));
    return h('div', { class: 'tip' }, h('strong', {}, minute(bucket)), h('table', {}, head, body));
  }
}
