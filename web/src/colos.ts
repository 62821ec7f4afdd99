import type { Group } from '../../src/classify/rules.js';
import type { ColosAnswer, ColoTotals } from './api.js';
import { ColoMap } from './colo-map.js';
import { byId, fill, h, keepFocus } from './dom.js';
import { count, percent } from './format.js';
import { showTruncated } from './notices.js';
import { SortableTable } from './table.js';

const ERROR_GROUPS: { group: Group; label: string }[] = [
  { group: 'edge', label: 'Edge errors' },
  { group: 'origin', label: 'Origin errors' },
  { group: '503', label: '503' },
  { group: '52x', label: '52x' },
];

const rate = (c: ColoTotals, group: Group) => (c.requests ? (c.groups[group] / c.requests) * 100 : 0);

/** The data center breakdown: requests and error rates per group; checked rows filter every view. */
export class ColoBreakdown {
  private readonly table: SortableTable<ColoTotals>;
  private selected: string[] = [];
  private total = 0;
  /** Each group's rate over all data centers, which a data center's own rate is compared to. */
  private overall: Partial<Record<Group, number>> = {};

  private readonly tableHost = h('div');
  private readonly noticeHost = h('div');
  private readonly truncatedHost = h('div', { hidden: true });
  private readonly mapHost = h('div', { id: 'colo-map', class: 'colo-map', role: 'img', hidden: true });
  private readonly map = new ColoMap(this.mapHost, (colo) => this.toggle(colo));

  constructor(
    element: HTMLElement,
    private readonly onSelect: (colos: string[]) => void,
  ) {
    fill(element, this.noticeHost, this.truncatedHost, this.mapHost, this.tableHost);
    this.table = new SortableTable<ColoTotals>(this.tableHost, {
      caption: 'Data centers: requests and error rates per group',
      sort: { key: 'requests', descending: true },
      tieBreak: (a, b) => a.colo.localeCompare(b.colo),
      rowProps: (c) => ({ 'data-colo': c.colo, class: this.selected.includes(c.colo) ? 'selected' : '' }),
      columns: [
        {
          key: 'colo',
          label: 'Data center',
          value: (c) => c.colo,
          cell: (c) =>
            h(
              'label',
              { class: 'check' },
              h('input', {
                type: 'checkbox',
                checked: this.selected.includes(c.colo),
                'aria-label': `Filter to ${c.colo}`,
                'data-focus': `colo:${c.colo}`,
                onchange: () => this.toggle(c.colo),
              }),
              c.colo,
            ),
        },
        { key: 'requests', label: 'Requests', numeric: true, value: (c) => c.requests, cell: (c) => count(c.requests) },
        {
          key: 'share',
          label: 'Share',
          numeric: true,
          value: (c) => c.requests,
          cell: (c) => percent(this.total ? (c.requests / this.total) * 100 : 0),
        },
        ...ERROR_GROUPS.map(({ group, label }) => ({
          key: group,
          label,
          numeric: true,
          value: (c: ColoTotals) => rate(c, group),
          cell: (c: ColoTotals) => h('span', { class: this.rateClass(rate(c, group), group) }, percent(rate(c, group))),
        })),
      ],
    });
  }

  /** Shows the data centers of the range (and whether the answer was cut), with the selected ones checked. */
  show(answer: ColosAnswer, selected: string[]): void {
    const { colos } = answer;
    setHint('check data centers to filter every view');
    showTruncated(
      this.truncatedHost,
      answer,
      'data centers',
      `These are the busiest ${count(answer.limit ?? 0)} data centers; shares and rates compare them with each other only.`,
    );
    this.selected = selected;
    this.total = colos.reduce((sum, c) => sum + c.requests, 0);
    for (const { group } of ERROR_GROUPS) {
      const errors = colos.reduce((sum, c) => sum + c.groups[group], 0);
      this.overall[group] = this.total ? (errors / this.total) * 100 : 0;
    }
    keepFocus(this.tableHost, () => this.table.setRows(colos, true));
    this.tableHost.hidden = colos.length === 0;
    void this.map.show(colos, selected);
    fill(this.noticeHost, colos.length ? null : h('p', { class: 'muted' }, 'No data centers in this range.'));
  }

  /** Marks a data center whose rate stands out from the others (bold as well, not by color alone). */
  private rateClass(p: number, group: Group): string {
    const overall = this.overall[group] ?? 0;
    return p >= 0.1 && p >= 2 * overall ? 'rate high' : 'rate';
  }

  private toggle(colo: string): void {
    const next = this.selected.includes(colo) ? this.selected.filter((c) => c !== colo) : [...this.selected, colo];
    this.onSelect(next);
  }

  /** Replaces the breakdown with the plan rule's message, for zones without the entitlement. */
  planRequired(zone: string, plan: string): void {
    setHint('an enterprise feature');
    showTruncated(this.truncatedHost, {}, '', '');
    this.tableHost.hidden = true;
    void this.map.show([], []);
    fill(
      this.noticeHost,
      h(
        'div',
        { class: 'notice plan', role: 'note', 'data-state': 'plan-required' },
        h('p', {}, h('strong', {}, 'Status codes by data center are an enterprise feature.')),
        h('p', {}, `Zone ${zone} is on the ${plan} plan. An operator can enable the breakdown with:`),
        h('pre', {}, h('code', {}, `edgestat zone set ${zone} --plan enterprise`)),
      ),
    );
  }
}

/** The line beside the panel's title: what the panel offers on this zone's plan. */
function setHint(text: string): void {
  byId('colos-hint').textContent = text;
}
