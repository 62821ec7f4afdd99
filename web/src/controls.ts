import type { BucketName } from '../../src/model/query.js';
import type { ZoneListAnswer } from './api.js';
import { fill, h, keepFocus } from './dom.js';
import { localInput } from './format.js';
import { effectiveBucket, RANGES, type RangeName, rangeSpan, usableBuckets, type ViewState } from './state.js';

export interface ControlActions {
  change: (patch: Partial<ViewState>) => void;
  token: () => void;
}

/** The header's pickers: zone, range (presets and custom), bucket. */
export function renderControls(
  element: HTMLElement,
  state: ViewState,
  zones: ZoneListAnswer['zones'],
  actions: ControlActions,
): void {
  const zone = h(
    'select',
    {
      id: 'zone',
      'aria-label': 'Zone',
      onchange: (e: Event) => actions.change({ zone: (e.target as HTMLSelectElement).value, colos: [], hidden: [] }),
    },
    // Until the zone list arrives, the picker holds the zone shown.
    zones.some((z) => z.zone === state.zone) ? null : h('option', { value: state.zone, selected: true }, state.zone),
    zones.map((z) => h('option', { value: z.zone, selected: z.zone === state.zone }, `${z.zone} (${z.plan})`)),
  );
  const presets = (Object.keys(RANGES) as RangeName[]).map((r) =>
    h(
      'button',
      {
        type: 'button',
        'aria-pressed': String(state.range === r),
        'data-range': r,
        'data-focus': `range:${r}`,
        onclick: () => actions.change({ range: r, bucket: 'auto' }),
      },
      RANGES[r as keyof typeof RANGES].label,
    ),
  );
  const custom = h(
    'button',
    {
      type: 'button',
      'aria-pressed': String(state.range === 'custom'),
      'aria-expanded': String(state.range === 'custom'),
      'data-range': 'custom',
      'data-focus': 'range:custom',
      onclick: () => customForm.toggleAttribute('hidden'),
    },
    'Custom',
  );
  const customForm = customRange(state, actions);
  const span = rangeSpan(state);
  const current = effectiveBucket(state);
  const bucket = h(
    'select',
    {
      id: 'bucket',
      'data-focus': 'bucket',
      'aria-label': 'Bucket size',
      onchange: (e: Event) => actions.change({ bucket: (e.target as HTMLSelectElement).value as BucketName | 'auto' }),
    },
    h('option', { value: 'auto', selected: state.bucket === 'auto' }, `auto (${current})`),
    usableBuckets(span).map((b) => h('option', { value: b, selected: state.bucket === b }, b)),
  );
  keepFocus(element, () =>
    fill(
      element,
      h('div', { class: 'control' }, h('label', { for: 'zone' }, 'Zone'), zone),
      h('div', { class: 'control ranges', role: 'group', 'aria-label': 'Time range' }, presets, custom),
      h('div', { class: 'control' }, h('label', { for: 'bucket' }, 'Bucket'), bucket),
      h('button', { type: 'button', class: 'link token-button', onclick: actions.token }, 'Token'),
      customForm,
    ),
  );
}

/** From and to (local time) for a custom range; an empty "to" means now, which keeps it live. */
function customRange(state: ViewState, actions: ControlActions): HTMLFormElement {
  const isCustom = state.range === 'custom';
  const defaultFrom = new Date(Date.now() - 3_600_000).toISOString();
  const from = h('input', {
    type: 'datetime-local',
    id: 'custom-from',
    required: true,
    value: localInput(isCustom ? state.from : defaultFrom),
  });
  const to = h('input', {
    type: 'datetime-local',
    id: 'custom-to',
    value: isCustom && state.to !== 'now' ? localInput(state.to) : '',
  });
  return h(
    'form',
    {
      class: 'custom-range',
      hidden: !isCustom,
      onsubmit: (event: Event) => {
        event.preventDefault();
        const toValue = to.value ? new Date(to.value).toISOString() : 'now';
        actions.change({ range: 'custom', from: new Date(from.value).toISOString(), to: toValue, bucket: 'auto' });
      },
    },
    h('label', { for: 'custom-from' }, 'From'),
    from,
    h('label', { for: 'custom-to' }, 'To'),
    to,
    h('button', { type: 'submit' }, 'Apply'),
    h('span', { class: 'muted' }, 'empty “To” = now (live)'),
  );
}
