import type { Command } from 'commander';
import { checkZoneName } from '../model/zone-name.js';
import { type StoreOptions, storeFrom, withStoreOptions } from './store-options.js';
import { textTable } from './table.js';

interface CreateFlags extends StoreOptions {
  zone: string;
  name: string;
  group?: string;
  statusClass?: string;
  status?: string;
  colo?: string;
  host?: string;
  target: string;
  burnRate?: string;
  minRequests?: string;
  jsonWebhook: string[];
  slackWebhook: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];
/** Control characters of a rule's name (anyone with admin wrote it) must not reach the terminal as such. */
const cell = (text: string) =>
  Array.from(text, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }).join('');

/** `98%`, `98` or `0.98` as the share 0.98. */
export function parseTarget(text: string): number {
  const value = Number(text.replace(/%$/, ''));
  return text.endsWith('%') || value >= 1 ? value / 100 : value;
}

/** `--flag` as a number, or an error naming it. */
function number(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`${flag} must be a number, got "${text}"`);
  return value;
}

export function registerAlerts(program: Command): void {
  const alerts = program.command('alerts').description('error-rate alert rules: list, create, delete, history');

  withStoreOptions(
    alerts
      .command('list')
      .description("a zone's rules and whether each is firing")
      .requiredOption('--zone <zone>', 'zone name')
      .option('--json', 'print as JSON'),
  ).action(async (flags: StoreOptions & { zone: string; json?: boolean }) => {
    const zone = checkZoneName(flags.zone);
    const { listedRule } = await import('../alerts/rules.js');
    const { describeErrors } = await import('../model/alerts.js');
    const store = await storeFrom(flags, { mustExist: true });
    try {
      const [rules, open] = await Promise.all([store.alerts.alertRules(zone), store.alerts.openAlertPeriods()]);
      const listed = rules.map((r) =>
        listedRule(
          r,
          open.find((p) => p.ruleId === r.id),
        ),
      );
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ zone, rules: listed }, null, 2)}\n`);
        return;
      }
      if (listed.length === 0) {
        process.stdout.write(`zone ${zone} has no alert rules: edgestat alerts create --zone ${zone} ...\n`);
        return;
      }
      const rows = listed.map((r) => [
        r.id,
        cell(r.name),
        cell(describeErrors(r.errors)),
        cell(r.colo ?? '*'),
        cell(r.host ?? '*'),
        `${Math.round(r.target * 10_000) / 100} %`,
        `${r.burnRate}x`,
        r.state,
        r.firingSince ?? '',
      ]);
      const headers = ['id', 'name', 'errors', 'colo', 'host', 'target', 'burn', 'state', 'firing since'];
      process.stdout.write(`${textTable(headers, rows)}\n`);
    } finally {
      await store.close();
    }
  });

  withStoreOptions(
    alerts
      .command('create')
      .description('create a rule: fires when the 5-minute and 1-hour error-budget burn both pass --burn-rate')
      .requiredOption('--zone <zone>', 'zone name')
      .requiredOption('--name <name>', 'what the rule watches, e.g. "52x in FRA"')
      .option('--group <group>', 'errors: an error group (edge, origin, 503, 52x)')
      .option('--status-class <class>', 'errors: or a status class (4xx, 5xx)')
      .option('--status <codes>', 'errors: or display statuses (comma-separated)')
      .option('--colo <colo>', 'only this data center')
      .option('--host <host>', 'only this host')
      .requiredOption('--target <share>', 'share of requests that should not be errors: 98% or 0.98')
      .option('--burn-rate <n>', 'threshold on both windows, times the error budget (default 14.4)')
      .option('--min-requests <n>', 'requests the 5-minute window needs to fire (default 20)')
      .option('--json-webhook <url>', 'POST the generic JSON body here (repeatable)', collect, [])
      .option('--slack-webhook <url>', 'POST a Slack-compatible body here (repeatable)', collect, []),
  ).action(async (flags: CreateFlags) => {
    const zone = checkZoneName(flags.zone);
    const { createAlertRule } = await import('../alerts/rules.js');
    const store = await storeFrom(flags);
    try {
      const rule = await createAlertRule(
        store.alerts,
        zone,
        {
          name: flags.name,
          errors: {
            group: flags.group,
            statusClass: flags.statusClass,
            statuses: flags.status?.split(',').map((s) => Number(s.trim())),
          },
          colo: flags.colo,
          host: flags.host,
          target: parseTarget(flags.target),
          burnRate: number('--burn-rate', flags.burnRate),
          minRequests: number('--min-requests', flags.minRequests),
          webhooks: [
            ...flags.jsonWebhook.map((url) => ({ url, kind: 'json' })),
            ...flags.slackWebhook.map((url) => ({ url, kind: 'slack' })),
          ],
        },
        Date.now(),
      );
      process.stdout.write(`created alert rule ${rule.id} for zone ${zone}\n`);
      for (const w of rule.webhooks) {
        process.stdout.write(`webhook ${w.kind} ${new URL(w.url).host}: signing secret ${w.secret} (shown only now)\n`);
      }
    } finally {
      await store.close();
    }
  });

  withStoreOptions(
    alerts
      .command('delete')
      .description('delete a rule and its firing periods')
      .argument('<id>', 'rule id (edgestat alerts list)')
      .requiredOption('--zone <zone>', 'zone name'),
  ).action(async (id: string, flags: StoreOptions & { zone: string }) => {
    const zone = checkZoneName(flags.zone);
    const store = await storeFrom(flags, { mustExist: true });
    try {
      if (!(await store.alerts.deleteAlertRule(zone, id)))
        throw new Error(`zone ${zone} has no alert rule ${cell(id)}`);
      process.stdout.write(`deleted alert rule ${id}\n`);
    } finally {
      await store.close();
    }
  });

  withStoreOptions(
    alerts
      .command('history')
      .description("firing periods of a zone's rules that overlap a range, newest first")
      .requiredOption('--zone <zone>', 'zone name')
      .option('--from <time>', 'start: ISO 8601, -24h, -7d...', '-24h')
      .option('--to <time>', 'end', 'now')
      .option('--rule <id>', 'only this rule')
      .option('--json', 'print as JSON'),
  ).action(async (flags: StoreOptions & { zone: string; from: string; to: string; rule?: string; json?: boolean }) => {
    const zone = checkZoneName(flags.zone);
    const { parseTime } = await import('../query/time.js');
    const { listedPeriod } = await import('../alerts/rules.js');
    const { ALERT_CAPS } = await import('../model/alerts.js');
    const now = Date.now();
    const [from, to] = [parseTime(flags.from, now), parseTime(flags.to, now)];
    const store = await storeFrom(flags, { mustExist: true });
    try {
      const periods = (
        await store.alerts.alertPeriods({ zone, ruleId: flags.rule, from, to, limit: ALERT_CAPS.periodsListed })
      ).map(listedPeriod);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ zone, periods }, null, 2)}\n`);
        return;
      }
      const rows = periods.map((p) => [
        p.ruleId,
        p.start,
        p.end ?? 'firing',
        p.shortBurn.toFixed(2),
        p.longBurn.toFixed(2),
      ]);
      process.stdout.write(`${textTable(['rule', 'start', 'end', '5m burn', '1h burn'], rows)}\n`);
    } finally {
      await store.close();
    }
  });
}
