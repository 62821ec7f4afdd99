import type { Command } from 'commander';
import { hasColoBreakdown, PLANS, type Plan } from '../model/plans.js';
import { checkZoneName } from '../model/zone-name.js';
import { humanBytes, kept, type StorageAnswer, span, storageAnswer } from '../query/storage.js';
import { type StoreOptions, storeFrom, withStoreOptions } from './store-options.js';
import { textTable } from './table.js';

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().replace('.000Z', 'Z'));
const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What each rollup tier holds (all zones), and the store's size. */
function storageTable(storage: StorageAnswer): string {
  const time = (text: string | null) => (text ?? '').replace('.000Z', 'Z');
  const rows = storage.tiers.map((t) => [t.tier, t.rows, time(t.from), time(t.to), span(t), kept(t)]);
  const table = textTable(['tier', 'rows', 'first', 'last', 'span', 'kept'], rows);
  return `${table}\nstore size: ${humanBytes(storage.bytes)}`;
}

export function registerZone(program: Command): void {
  const zone = program.command('zone').description('zones and their plans');

  withStoreOptions(
    zone
      .command('set')
      .description("set a zone's plan (the data center breakdown needs enterprise)")
      .argument('<zone>', 'zone name')
      .requiredOption('--plan <plan>', PLANS.join(', ')),
  ).action(async (name: string, flags: StoreOptions & { plan: string }) => {
    checkZoneName(name);
    if (!(PLANS as readonly string[]).includes(flags.plan)) {
      throw new Error(`--plan must be one of ${PLANS.join(', ')}, got "${flags.plan}"`);
    }
    const store = await storeFrom(flags);
    try {
      await store.setZonePlan(name, flags.plan as Plan);
    } finally {
      await store.close();
    }
    const breakdown = hasColoBreakdown(flags.plan as Plan) ? 'with' : 'without';
    process.stdout.write(`zone ${name}: plan ${flags.plan} (${breakdown} the data center breakdown)\n`);
  });

  withStoreOptions(
    zone
      .command('list')
      .description('zones with data or a plan, and what each rollup tier of the store holds')
      .option('--json', 'print as JSON'),
  ).action(async (flags: StoreOptions & { json?: boolean }) => {
    const store = await storeFrom(flags);
    try {
      const [zones, storage] = await Promise.all([store.zones(), storageAnswer(store)]);
      if (flags.json) {
        const json = zones.map((z) => ({ ...z, firstSeen: isoOrNull(z.firstSeen), lastSeen: isoOrNull(z.lastSeen) }));
        process.stdout.write(`${JSON.stringify({ zones: json, storage }, null, 2)}\n`);
        return;
      }
      if (zones.length === 0) process.stdout.write('no zones yet: ingest logs or set a plan\n');
      else {
        const rows = zones.map((z) => [z.zone, z.plan, z.requests, iso(z.firstSeen), iso(z.lastSeen)]);
        process.stdout.write(`${textTable(['zone', 'plan', 'requests', 'first seen', 'last seen'], rows)}\n`);
      }
      process.stdout.write(`\n${storageTable(storage)}\n`);
    } finally {
      await store.close();
    }
  });
}
