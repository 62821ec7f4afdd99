import type { DriversAnswer } from './api.js';
import { fill, h } from './dom.js';
import { count, percent } from './format.js';
import { SortableTable } from './table.js';

type Driver = NonNullable<DriversAnswer['drivers']['host']>[number];
type Dimension = 'colo' | 'host';

const TITLES: Record<Dimension, string> = { colo: 'Data center', host: 'Host' };

/**
 * "What is driving it": for the group a tab shows, the data centers and hosts that added most
 * over their own previous period of equal length. A data center filters every view in one click.
 */
export class DriversPanel {
  private readonly tables = new Map<Dimension, { host: HTMLElement; table: SortableTable<Driver> }>();

  constructor(
    private readonly section: HTMLElement,
    private readonly element: HTMLElement,
    private readonly hint: HTMLElement,
    private readonly onColo: (colo: string) => void,
  ) {}

  show(answer: DriversAnswer, what: string): void {
    this.section.hidden = false;
    const before = new Date(answer.baselineFrom);
    this.hint.textContent = `${what}: ${count(answer.requests)} in this range, ${count(answer.baseline)} in the period before (from ${before.toISOString().slice(0, 16).replace('T', ' ')} UTC)`;
    const parts: HTMLElement[] = [];
    for (const dimension of ['colo', 'host'] as const) {
      const drivers = answer.drivers[dimension];
      if (!drivers) continue;
      const host = h('div', { class: 'drivers', 'data-dimension': dimension });
      this.tableFor(dimension, host).setRows(drivers);
      parts.push(host);
    }
    fill(this.element, parts);
  }

  hide(): void {
    this.section.hidden = true;
  }

  private tableFor(dimension: Dimension, host: HTMLElement): SortableTable<Driver> {
    const table = new SortableTable<Driver>(host, {
      caption: `${TITLES[dimension]}s that added most, against their own previous period`,
      sort: { key: 'added', descending: true },
      tieBreak: (a, b) => a.value.localeCompare(b.value),
      rowProps: (d) => ({ 'data-value': d.value }),
      pageSize: 5,
      columns: [
        {
          key: 'value',
          label: TITLES[dimension],
          value: (d) => d.value,
          cell: (d) =>
            dimension === 'colo'
              ? h(
                  'button',
                  { type: 'button', class: 'link', title: `Filter to ${d.value}`, onclick: () => this.onColo(d.value) },
                  d.value,
                )
              : d.value,
        },
        { key: 'requests', label: 'Now', numeric: true, value: (d) => d.requests, cell: (d) => count(d.requests) },
        { key: 'baseline', label: 'Before', numeric: true, value: (d) => d.baseline, cell: (d) => count(d.baseline) },
        {
          key: 'added',
          label: 'Added',
          numeric: true,
          value: (d) => d.added,
          cell: (d) => `${d.added > 0 ? '+' : ''}${count(d.added)}`,
        },
        {
          key: 'percent',
          label: 'Share now / before',
          numeric: true,
          value: (d) => d.percent,
          cell: (d) => `${percent(d.percent)} / ${percent(d.baselinePercent)}`,
        },
      ],
    });
    this.tables.set(dimension, { host, table });
    return table;
  }
}
