import { NOT_RETURNED_STATUSES } from '../../src/classify/rules.js';
import { fill, h, keepFocus } from './dom.js';
import { count } from './format.js';
import { statusColor } from './palette.js';
import type { StatusSeries } from './series.js';

/**
 * The legend: one button per code present. A pressed button is a shown code; pressing it
 * hides the code from the chart and the table (greyed out), pressing again restores it.
 */
export function renderLegend(
  element: HTMLElement,
  series: StatusSeries[],
  hidden: readonly number[],
  actions: { toggle: (status: number) => void; showAll: () => void },
): void {
  keepFocus(element, () =>
    fill(
      element,
      series.map((s) => {
        const shown = !hidden.includes(s.status);
        // 444 and 499 are counted, but the client never got them: the legend says so.
        const notReturned = NOT_RETURNED_STATUSES.has(s.status);
        return h(
          'button',
          {
            type: 'button',
            class: 'legend-entry',
            'aria-pressed': String(shown),
            'data-status': s.status,
            'data-focus': `legend:${s.status}`,
            'data-not-returned': notReturned ? 'true' : undefined,
            title: `${shown ? 'Hide' : 'Show'} ${s.status} (${count(s.requests)} requests${notReturned ? ', not returned to the client' : ''})`,
            onclick: () => actions.toggle(s.status),
          },
          h('span', { class: 'swatch', style: `background:${statusColor(s.status)}`, 'aria-hidden': 'true' }),
          String(s.status),
        );
      }),
    ),
  );
  if (series.length > 1 && hidden.length) {
    element.append(h('button', { type: 'button', class: 'link', onclick: actions.showAll }, 'Show all'));
  }
}
