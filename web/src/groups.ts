import { GROUP_INFO, type Group } from '../../src/classify/rules.js';
import type { SummaryAnswer } from './api.js';
import { fill, h, keepFocus } from './dom.js';
import { count, percent } from './format.js';
import { TABS, type Tab } from './state.js';

/** Title and one-line explanation of each tab; the groups' texts come from the classification rules. */
export const TAB_INFO: Record<Tab, { title: string; explanation: string }> = {
  all: {
    title: 'All requests',
    explanation:
      'Every request the edge received, by the status code the client got (edge 1xxx errors show as 403 or 409).',
  },
  edge: GROUP_INFO.edge,
  origin: GROUP_INFO.origin,
  '503': GROUP_INFO['503'],
  '52x': GROUP_INFO['52x'],
};

/** The tab buttons (a tablist); the chosen tab's explanation goes in `explanation`. */
export function renderTabs(element: HTMLElement, explanation: HTMLElement, tab: Tab, onTab: (tab: Tab) => void): void {
  keepFocus(element, () =>
    fill(
      element,
      TABS.map((t) =>
        h(
          'button',
          {
            type: 'button',
            role: 'tab',
            id: `tab-${t}`,
            'aria-selected': String(t === tab),
            'aria-controls': 'view',
            tabindex: t === tab ? 0 : -1,
            'data-tab': t,
            'data-focus': `tab:${t}`,
            onclick: () => onTab(t),
            onkeydown: (event: Event) => moveTab(event as KeyboardEvent, t, onTab),
          },
          TAB_INFO[t].title,
        ),
      ),
    ),
  );
  explanation.textContent = TAB_INFO[tab].explanation;
}

/** Arrow keys move between tabs, as in the WAI-ARIA tabs pattern. */
function moveTab(event: KeyboardEvent, tab: Tab, onTab: (tab: Tab) => void): void {
  const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
  if (!step) return;
  event.preventDefault();
  const next = TABS[(TABS.indexOf(tab) + step + TABS.length) % TABS.length];
  document.getElementById(`tab-${next}`)?.focus();
  onTab(next);
}

const CARDS: { group: Group | 'total'; tab?: Tab }[] = [
  { group: 'total', tab: 'all' },
  { group: 'success' },
  { group: 'edge', tab: 'edge' },
  { group: 'origin', tab: 'origin' },
  { group: '503', tab: '503' },
  { group: '52x', tab: '52x' },
  { group: 'excluded' },
];

/** The overview of the range: total requests and each group's requests and share. */
export function renderSummary(element: HTMLElement, summary: SummaryAnswer, tab: Tab, onTab: (tab: Tab) => void): void {
  fill(
    element,
    CARDS.map(({ group, tab: cardTab }) => {
      const title = group === 'total' ? 'Total requests' : GROUP_INFO[group].title;
      const share = group === 'total' ? { requests: summary.requests, percent: 100 } : summary.groups[group];
      const content = [
        h('span', { class: 'card-title' }, title),
        h('span', { class: 'card-value', 'data-requests': share.requests }, count(share.requests)),
        h('span', { class: 'card-share' }, group === 'total' ? 'in range' : percent(share.percent)),
      ];
      const props = {
        class: `card group-${group}`,
        'data-group': group,
        title: group === 'total' ? undefined : GROUP_INFO[group].explanation,
      };
      if (!cardTab) return h('div', props, content);
      return h(
        'button',
        { ...props, type: 'button', 'aria-pressed': String(cardTab === tab), onclick: () => onTab(cardTab) },
        content,
      );
    }),
  );
}
