import { type AlertErrors, describeErrors } from '../../src/model/alerts.js';
import { type AlertPeriodsAnswer, type AlertRule, type AlertRuleBody, ApiFailure, api } from './api.js';
import { fill, h } from './dom.js';
import { minute } from './format.js';

/** A firing period as the chart shades it: epoch ms, the end open while it fires. */
export interface FiringPeriod {
  ruleId: string;
  name: string;
  start: number;
  end: number | null;
}

/** The choices of the form's "errors" select: a group or a class, as the API takes them. */
const ERROR_CHOICES: Record<string, AlertRuleBody['errors']> = {
  'group 52x': { group: '52x' },
  'group origin': { group: 'origin' },
  'group 503': { group: '503' },
  'group edge': { group: 'edge' },
  '5xx': { statusClass: '5xx' },
  '4xx': { statusClass: '4xx' },
};

/**
 * The zone's alert rules: each with its state (firing since when, or resolved), a form to add
 * one and a button to delete one (both need an admin token; a refusal is shown, not thrown).
 * Rule names and hosts are text nodes like every other string from users and logs.
 */
export class AlertsPanel {
  private zone = '';

  constructor(
    private readonly element: HTMLElement,
    private readonly message: HTMLElement,
    /** Called after a rule was added or deleted: the view loads its rules and periods again. */
    private readonly changed: () => void,
  ) {}

  show(zone: string, rules: AlertRule[]): void {
    this.zone = zone;
    const list = rules.length
      ? h(
          'ul',
          { class: 'alert-rules' },
          rules.map((r) =>
            h(
              'li',
              { 'data-rule': r.id, 'data-state': r.state },
              h('span', { class: `alert-state alert-${r.state}` }, r.state),
              h('strong', { class: 'alert-name' }, r.name),
              h(
                'span',
                { class: 'muted' },
                `${describeErrors(r.errors as AlertErrors)}${r.colo ? ` in ${r.colo}` : ''}${r.host ? ` on ${r.host}` : ''}, target ${Math.round(r.target * 10_000) / 100} %, burn ${r.burnRate}x`,
                r.firingSince ? `, firing since ${minute(Date.parse(r.firingSince))}` : '',
              ),
              h(
                'button',
                {
                  type: 'button',
                  class: 'link',
                  'aria-label': `Delete alert rule ${r.name}`,
                  onclick: () => void this.remove(r.id),
                },
                'Delete',
              ),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'No alert rules for this zone yet.');
    fill(this.element, list, this.form());
  }

  private form(): HTMLFormElement {
    const input = (name: string, label: string, props: Record<string, string | boolean> = {}) =>
      h('label', {}, label, h('input', { name, ...props }));
    const form = h(
      'form',
      { class: 'alert-form', 'aria-label': 'Add an alert rule' },
      input('name', 'Name', { required: true, maxlength: '200', placeholder: '52x in FRA' }),
      h(
        'label',
        {},
        'Errors',
        h(
          'select',
          { name: 'errors' },
          Object.keys(ERROR_CHOICES).map((k) => h('option', { value: k }, k)),
        ),
      ),
      input('colo', 'Data center', { placeholder: 'all', maxlength: '255' }),
      input('host', 'Host', { placeholder: 'all', maxlength: '255' }),
      input('target', 'Target %', { required: true, value: '99', inputmode: 'decimal' }),
      input('burnRate', 'Burn rate', { value: '14.4', inputmode: 'decimal' }),
      input('webhook', 'Webhook URL', { type: 'url', placeholder: 'https://hooks.example.com/…' }),
      h(
        'label',
        {},
        'Body',
        h('select', { name: 'kind' }, h('option', { value: 'json' }, 'JSON'), h('option', { value: 'slack' }, 'Slack')),
      ),
      h('button', { type: 'submit' }, 'Add rule'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.add(new FormData(form));
    });
    return form;
  }

  private async add(data: FormData): Promise<void> {
    const text = (key: string) => String(data.get(key) ?? '').trim();
    const webhook = text('webhook');
    const body: AlertRuleBody = {
      name: text('name'),
      errors: ERROR_CHOICES[text('errors')],
      target: Number(text('target')) / 100,
      burnRate: Number(text('burnRate')),
      ...(text('colo') ? { colo: text('colo') } : {}),
      ...(text('host') ? { host: text('host') } : {}),
      ...(webhook ? { webhooks: [{ url: webhook, kind: text('kind') as 'json' | 'slack' }] } : {}),
    };
    try {
      const created = await api.createAlert(this.zone, body);
      this.say(
        created.secrets.length
          ? `Rule added. Webhook signing secret (shown only now): ${created.secrets.join(', ')}`
          : 'Rule added.',
      );
      this.changed();
    } catch (err) {
      this.say(failure(err));
    }
  }

  private async remove(id: string): Promise<void> {
    try {
      await api.deleteAlert(this.zone, id);
      this.say('Rule deleted.');
      this.changed();
    } catch (err) {
      this.say(failure(err));
    }
  }

  private say(text: string): void {
    this.message.textContent = text;
  }
}

/** A refusal as the user reads it: the API's message (an admin token is needed to change rules). */
function failure(err: unknown): string {
  if (err instanceof ApiFailure)
    return `Not done: ${err.message}${err.status === 403 ? ' (changing alert rules needs an admin token)' : ''}`;
  return `Not done: ${(err as Error).message}`;
}

/** The periods of the answer with their rule's name, for the chart. */
export function firingPeriods(answer: AlertPeriodsAnswer, rules: AlertRule[]): FiringPeriod[] {
  const names = new Map(rules.map((r) => [r.id, r.name]));
  return answer.periods.map((p) => ({
    ruleId: p.ruleId,
    name: names.get(p.ruleId) ?? p.ruleId,
    start: Date.parse(p.start),
    end: p.end === null ? null : Date.parse(p.end),
  }));
}
